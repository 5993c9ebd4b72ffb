"""Watched RUCs: which RUCs each API key watches, the webhooks that deliver their changes, each key's
feed of them, their re-check from SUNAT and the changes' retention.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
