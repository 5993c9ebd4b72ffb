"""Production: every secret from the environment; refuses to start without a real one."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")

_GENERATE_HINT = (
    "Genere una con: python -c \"import secrets; print(secrets.token_urlsafe(50))\" "
    "y póngala en DJANGO_SECRET_KEY."
)
if len(SECRET_KEY) < 40 or SECRET_KEY.startswith("django-insecure") or "cambiar" in SECRET_KEY.lower():
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY falta o no es una clave real (mínimo 40 caracteres). " + _GENERATE_HINT
    )

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Behind nginx (and usually a TLS terminator in front of it). nginx passes on the
# front's X-Forwarded-Proto, or its own scheme when there is no front.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False  # nginx sets Host itself; never trust a client's X-Forwarded-Host
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Health checks come from inside the deployment, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# One hour to start: a first deploy with a broken certificate must not lock browsers out for a
# year. Raise it (a year, 31536000) once https works everywhere, as the README says.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
