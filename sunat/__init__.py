"""The RUC lookup service's Django app (label `sunat`): one subpackage per capability.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
