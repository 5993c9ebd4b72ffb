"""Development tools, never part of the service or its image: the SUNAT replica, benchmarks, test servers."""
