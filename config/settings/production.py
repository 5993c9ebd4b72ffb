"""Production: every secret from the environment; refuses to start without a real one."""

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DATABASES, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")

_GENERATE_HINT = (
    "Genere una con: python -c \"import secrets; print(secrets.token_urlsafe(50))\" "
    "y póngala en DJANGO_SECRET_KEY."
)
# What `check --deploy` asks of a key (security.W009), refused here at start instead of warned about.
if (len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX) or "cambiar" in SECRET_KEY.lower()):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY falta o no es una clave real (mínimo {SECRET_KEY_MIN_LENGTH} caracteres, "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} distintos). " + _GENERATE_HINT
    )

# The database password .env.production ships with (and the one it shipped before) is public.
_SHIPPED_PASSWORDS = {"cambiar-esta-contrasena", "ruc"}
if {env("POSTGRES_PASSWORD", default=""), DATABASES["default"].get("PASSWORD", "")} & _SHIPPED_PASSWORDS:
    raise ImproperlyConfigured(
        "La contraseña de la base de datos es la de ejemplo de .env.production: cámbiela en POSTGRES_PASSWORD "
        "y en DATABASE_URL (por ejemplo con: python -c \"import secrets; print(secrets.token_urlsafe(24))\")."
    )

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A deployment is not an open API unless its operator says so.
API_KEYS_REQUIRED = env.bool("API_KEYS_REQUIRED", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Behind nginx (and usually a TLS terminator in front of it). nginx passes on the
# front's X-Forwarded-Proto, or its own scheme when there is no front.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False  # nginx sets Host itself; never trust a client's X-Forwarded-Host
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Health checks (and an orchestrator's probes) and Prometheus' scrape come from inside the deployment, over plain HTTP, straight
# to gunicorn (which speaks no TLS); nginx serves /metrics to nobody.
SECURE_REDIRECT_EXEMPT = [r"^health(?:/live|/ready)?$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# One hour to start: a first deploy with a broken certificate must not lock browsers out for a
# year. Raise it (a year, 31536000) once https works everywhere, as docs/deployment.md says.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
