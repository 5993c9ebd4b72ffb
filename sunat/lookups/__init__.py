"""A RUC lookup: cache -> stored record -> padrón -> SUNAT, single and in batches. Imports upstream, padron, models."""
