"""A RUC lookup: cache -> stored record -> padrón -> SUNAT, single and in batches, and its error table.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
