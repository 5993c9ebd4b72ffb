#!/usr/bin/env python
"""Check the cache configuration the service will run with.

Loads the production settings (or DJANGO_SETTINGS_MODULE), prints the cache backend, the
session engine and whether Redis is used, writes, reads and deletes a test key through
Django's cache, and when Redis is used says whether it answers. Exits 1 on any failure.

    python test-cache-config.py
"""

import os
import sys
import uuid


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import logging

    import django

    django.setup()
    # Failures are reported below in one line each; no tracebacks from the cache logger.
    logging.getLogger("sunat.lookups.ruc_cache").setLevel(logging.CRITICAL)
    from django.conf import settings
    from django.core.cache import cache

    from sunat import caching

    print(f"Configuración:   {settings.SETTINGS_MODULE}")
    print(f"Caché:           {settings.CACHES['default']['BACKEND']}")
    print(f"Sesiones:        {settings.SESSION_ENGINE}")
    print(f"Usa Redis:       {'sí' if settings.USE_REDIS else 'no'}")

    failures = []
    if settings.USE_REDIS:
        print(f"Redis:           {settings.REDIS_URL}")
        redis_error = _redis_error()
        if redis_error:
            failures.append(f"Redis no responde en {settings.REDIS_URL}: {redis_error}")
        else:
            print("Redis responde:  sí (PING)")

    key, value = f"sunat:test-cache-config:{uuid.uuid4().hex}", "ok"
    try:
        cache.set(key, value, timeout=30)
        read = cache.get(key)
        cache.delete(key)
        deleted = cache.get(key) is None
    except Exception as exc:  # any backend error is a failed check, reported plainly
        failures.append(f"la caché falló: {exc.__class__.__name__}: {exc}")
    else:
        if read != value:
            failures.append("la caché no devolvió lo que se escribió (¿backend caído?)")
        elif not deleted:
            failures.append("la clave de prueba no se pudo borrar")
        else:
            print("Escritura, lectura y borrado: OK")
    print(f"Backend en uso:  {caching.backend_name()}")

    for failure in failures:
        print(f"ERROR: {failure}", file=sys.stderr)
    if failures:
        return 1
    print("OK: la configuración de caché funciona.")
    return 0


def _redis_error() -> str | None:
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


if __name__ == "__main__":
    sys.exit(main())
