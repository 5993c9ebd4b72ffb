"""manage.py's commands of the service (commands/): the operators' tools.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
