"""Changes detected in watched RUCs, recorded: a ChangeEvent and a Notification per watching key.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
