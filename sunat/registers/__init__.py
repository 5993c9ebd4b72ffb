"""SUNAT's registers (the Padrón Reducido RUC, the agents', the good taxpayers'), imported into the database.

files.py declares each file; sources.py opens one (path or URL, zip or .txt), reader.py reads
its lines, importer.py swaps a new version in; queries.py answers lookups from the padrón,
search.py searches it by name, annotations.py adds the other registers to every answer.
changes.py records what a new version changes, corrections.py corrects the stored answers it
contradicts, watched.py tells which of those changes concern watched RUCs (sunat.changes records
them). sync.py downloads every register's daily file and imports those that changed (daily.py: once
a day); locks.py keeps a second import, or sync, from running beside the first.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
