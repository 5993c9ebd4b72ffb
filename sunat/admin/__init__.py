"""The admin, one module per capability; importing them registers their pages on admin.site (the
service's own, sunat.apps.ServiceAdminSite: its titles, and its section first).

Its place in the layers: pyproject.toml's [tool.importlinter].
"""

from sunat.admin import checks, comprobantes, exchange, keys, lookups, overview, padron, queue, watch  # noqa: F401
