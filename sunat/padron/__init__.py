"""SUNAT's Padrón Reducido RUC: the whole register, imported into the database.

reader.py reads the published file, importer.py swaps a new version in, queries.py answers
lookups from it and search.py searches it by name (devtools.padron_generator writes test files).
sync.py downloads every register's daily file and imports those that changed (daily.py: once a
day); locks.py keeps a second import, or sync, from running beside the first.
"""
