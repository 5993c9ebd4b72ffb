"""What operators read of the service: GET /metrics and the admin's overview, with the state read
when either is asked for (the counts themselves come from sunat.monitoring).

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
