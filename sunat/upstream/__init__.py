"""Everything that asks SUNAT runs here, away from the request threads that answer hits.

- budget: the one deadline that every pacing wait, attempt and backoff of a piece of work shares.
- asker: who asks (an API key, or a client address) and until when; set per request.
- scheduler: a few threads per process that ask SUNAT, and the bounded, fair, prioritised
  queue in front of them.
"""
