"""The HTTP API: thin views, JSON responses, the error table and the OpenAPI document. Imports lookups, keys, padron."""
