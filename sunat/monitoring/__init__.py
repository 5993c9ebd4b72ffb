"""Instrumentation, recorded where things happen: Prometheus metrics, request ids on structured
logs, the admin's counts (tally), and the middleware that counts every request.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
