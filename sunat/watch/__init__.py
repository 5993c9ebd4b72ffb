"""Watched RUCs: each key's watches, the webhooks and feed of their changes, their re-check, retention.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
