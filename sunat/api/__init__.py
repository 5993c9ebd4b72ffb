"""The HTTP API: thin views and the OpenAPI document.

Imports lookups, keys, padron, upstream's page registry and the shared responses.
"""
