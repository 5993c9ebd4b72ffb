"""The HTTP API: thin views and the OpenAPI document.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
