"""A key's webhook: where its notices are POSTed, which kinds, and the secret that signs them.

A webhook URL must be https, on a port of WEBHOOK_PORTS (443), and every address its host resolves
to public (not loopback, private, link-local — the cloud metadata address among them —, shared,
reserved or multicast), unless WEBHOOK_ALLOW_PRIVATE (tests, closed networks; it allows plain http too). The check runs
when the URL is set and again before each delivery, against DNS rebinding.
"""

import ipaddress
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from sunat import process
from sunat.models import Webhook
from sunat.models.event_kinds import EVENT_KINDS

MAX_URL_LENGTH = 2000
DNS_SECONDS = 5.0
# getaddrinfo has no timeout, so it runs here. A thread per delivery a run has out at once, and a few
# for PUT /api/webhook: a host whose DNS hangs holds one thread for a while, never another key's turn.
# A piece of this process's state (sunat.process): a forked child would count its parent's threads
# as its own and wait on them forever, so it makes its own.
_resolver = process.lazy(
    "webhook DNS resolver",
    lambda: ThreadPoolExecutor(max_workers=settings.WEBHOOK_CONCURRENCY + 4, thread_name_prefix="webhook-dns"),
    stop=lambda pool: pool.shutdown(wait=False, cancel_futures=True),
    reset=lambda pool: pool.shutdown(wait=False, cancel_futures=True),
    settings=["WEBHOOK_CONCURRENCY"])
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class InvalidWebhook(ValueError):
    """The URL or the event types cannot be used; the message is the API's detail."""


def check_url(url: str) -> list[str]:
    """The addresses `url`'s host resolves to, in the resolver's order, when the service may POST to
    every one of them; InvalidWebhook otherwise."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise InvalidWebhook(f"url debe ser una URL de hasta {MAX_URL_LENGTH} caracteres.")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidWebhook("url no es una URL válida.") from None
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise InvalidWebhook("url debe ser https.")
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        raise InvalidWebhook("url debe tener un host, sin usuario, contraseña ni fragmento (#).")
    future = _resolver.get().submit(socket.getaddrinfo, parts.hostname, port, type=socket.SOCK_STREAM)
    try:
        found = future.result(timeout=DNS_SECONDS)
    except (socket.gaierror, UnicodeError):
        raise InvalidWebhook(f"no se pudo resolver el host {parts.hostname[:100]}.") from None
    except TimeoutError:
        raise InvalidWebhook(f"el DNS no resolvió el host {parts.hostname[:100]} en {DNS_SECONDS:.0f} s.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))  # the resolver's order: tried in turn
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise InvalidWebhook(f"el host {parts.hostname[:100]} resuelve a una dirección no pública ({address}); "
                                     "solo se envían avisos a direcciones públicas.")
        # Any port of a public address would let a key make the service knock on SSH, SMTP...
        if port not in settings.WEBHOOK_PORTS:
            allowed = ", ".join(str(allowed) for allowed in settings.WEBHOOK_PORTS)
            raise InvalidWebhook(f"url debe usar el puerto {allowed}." if len(settings.WEBHOOK_PORTS) == 1
                                 else f"url debe usar uno de estos puertos: {allowed}.")
    return addresses


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") is link-local anyway
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one reaches that IPv4 address (mapped, 6to4, Teredo, NAT64,
        # the old IPv4-compatible form): it is that address that must be public.
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if any(ip in network for network in _NAT64) or ip in _IPV4_COMPATIBLE:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or any(v4 is not None and not _public(str(v4)) for v4 in embedded):
            return False
    return ip.is_global and not ip.is_multicast


def configure(key_id: int, url: str, event_types, rotate: bool = False) -> tuple[Webhook, str | None, bool]:
    """Set the key's webhook, for `event_types` (names of EVENT_KINDS; None: every one): (it, its secret
    when new or rotated — shown this once —, whether it is new). Setting it again enables a webhook
    a 410 disabled."""
    check_url(url)
    if event_types is None:
        event_types = list(EVENT_KINDS)
    if not isinstance(event_types, list) or not event_types or not set(event_types) <= set(EVENT_KINDS):
        raise InvalidWebhook(f"eventos debe ser una lista con algunos de: {', '.join(EVENT_KINDS)}.")
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().filter(key_id=key_id).first()
        created = webhook is None
        if created:
            webhook = Webhook(key_id=key_id)
        secret = None
        if created or rotate:
            secret = webhook.secret = f"whsec_{secrets.token_urlsafe(32)}"
        webhook.url, webhook.event_types = url, sorted(set(event_types))
        webhook.disabled_at, webhook.disabled_reason = None, ""
        webhook.save()
    return webhook, secret, created


def current(key_id: int) -> Webhook | None:
    return Webhook.objects.filter(key_id=key_id).first()


def remove(key_id: int) -> bool:
    deleted, _ = Webhook.objects.filter(key_id=key_id).delete()
    return deleted > 0


def as_json(webhook: Webhook, secret: str | None = None) -> dict:
    body = {"url": webhook.url, "eventos": webhook.event_types, "activo": webhook.disabled_at is None,
            "desactivadoPor": webhook.disabled_reason or None}
    if secret is not None:
        body["secreto"] = secret
    return body
