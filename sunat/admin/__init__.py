"""The admin, one module per capability; importing them registers their pages."""

from sunat.admin import keys, lookups, padron, watch  # noqa: F401
