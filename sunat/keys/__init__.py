"""API keys: issuing, checking and revoking them, their quotas, and the middleware at the door.

Imports models, the shared responses and the cache plumbing.
"""
