"""The landing page at /: what the service is, a lookup box that calls the API as any client does,
and the way to the reference, the admin and /health.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
