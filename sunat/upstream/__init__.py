"""Everything that asks SUNAT: its clients, page parsers, pacing, single flight, and the threads
that run it away from the request threads that answer hits.

- clients, parser, sections: how each SUNAT page is asked for and read.
- throttle, singleflight: pacing, cooldowns and backoff; one request per RUC across processes.

- budget: the one deadline that every pacing wait, attempt and backoff of a piece of work shares.
- asker: who asks (an API key, or a client address) and until when; set per request.
- scheduler: a few threads per process that ask SUNAT (threads.py), the bounded, fair, prioritised
  queue in front of them (queue.py), and the process's one (its __init__).

Its place in the layers: pyproject.toml's [tool.importlinter].
"""
