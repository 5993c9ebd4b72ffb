"""SUNAT's Padrón Reducido RUC: the whole register, imported into the database.

reader.py reads the published file, importer.py swaps a new version in, queries.py answers
lookups and name searches from it, generator.py writes realistic files for tests and benchmarks.
"""
