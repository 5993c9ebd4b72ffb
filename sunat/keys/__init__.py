"""API keys: issuing, checking and revoking them, their quotas, and the middleware at the door.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
