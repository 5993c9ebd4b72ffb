"""A RUC lookup: cache -> stored record -> padrón -> SUNAT, single and in batches, and its error table.

Imports upstream, padron, models and the cache plumbing.
"""
