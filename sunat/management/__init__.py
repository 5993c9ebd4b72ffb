"""manage.py's commands of the service (commands/): the operators' tools; setup.py: what a deployment
still lacks (setup_status, at each start of the web container).

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
