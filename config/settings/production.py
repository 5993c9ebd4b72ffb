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
