"""Watched RUCs: which RUCs each API key watches (services.py), the changes detected in them
(events.py), and each key's feed of those changes (feed.py)."""
