"""The admin login's lockout (django-axes): whose address counts, and what a locked-out client reads.

Both are named in settings (AXES_CLIENT_IP_CALLABLE, AXES_LOCKOUT_CALLABLE); axes calls them only
while a login is being checked, never on API requests.
"""

import ipaddress
from datetime import timedelta

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from sunat.responses import json_error
from sunat.upstream.middleware import client_address

TEMPLATE = "sunat/admin/lockout.html"


def client_ip(request) -> str | None:
    """The address the rest of the service sees (client_address), as one axes can store.

    axes keeps it in a GenericIPAddressField (inet on PostgreSQL, which refuses anything else): an
    X-Real-IP that is no address can only come from a peer in REAL_IP_FROM that bypassed nginx, so that peer counts.
    """
    for candidate in (client_address(request), request.META.get("REMOTE_ADDR", "")):
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if not getattr(address, "scope_id", None):  # inet has no "%zone"
            return str(address)
    return None


def lockout_response(request, original_response=None, credentials=None):
    """A Spanish page for the admin's login form; JSON for anything else (a script, an XHR)."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    cool_off = get_cool_off(request)
    # Every failed try during a lockout starts the cool-off again (axes' default), so it is whole now.
    retry_after = int(cool_off.total_seconds()) if cool_off else None
    wait = _spoken(cool_off) if cool_off else None
    if _wants_html(request):
        context = {
            **admin.site.each_context(request),
            "title": "Acceso bloqueado",
            "failure_limit": get_failure_limit(request, credentials),
            "wait": wait,
        }
        response = render(request, TEMPLATE, context, status=status)  # from a middleware: rendered now
    else:
        detail = "Demasiados intentos fallidos de inicio de sesión desde esta dirección. "
        detail += f"Intente de nuevo en {wait}." if wait else "Pida a un administrador que la desbloquee."
        response = json_error(status, "demasiados_intentos", detail)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


def _wants_html(request) -> bool:
    if not request.path.startswith(reverse("admin:index")):
        return False
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return False
    return request.accepts("text/html")


def _spoken(delta: timedelta) -> str:
    """15 minutos, 1 hora, 30 segundos: how long the user waits, as they read it."""
    seconds = max(1, round(delta.total_seconds()))
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hora" if hours == 1 else f"{hours} horas"
    if seconds >= 60:
        minutes = -(-seconds // 60)  # rounded up: never promise less than the wait
        return f"{minutes} minuto" if minutes == 1 else f"{minutes} minutos"
    return f"{seconds} segundo" if seconds == 1 else f"{seconds} segundos"
