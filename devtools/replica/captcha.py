"""GET captcha?accion=image&nmagic=<n>: the form page's captcha image, which registers n as a
numRnd of the session (defenses.py, require_numrnd).

CiaphasC/sunat-ruc-api (2025-07) fetches it with a random n and posts n as numRnd (it may answer
401 or 404, it reports). Here: 401 with an empty body without a known session cookie, 404 for
any other accion (accion=random, the numRnd source blocked since 2021) or an n that is no
number, else a 1x1 PNG. The image itself is a stand-in: nothing checks ``codigo``.
"""

import struct
import zlib
from urllib.parse import parse_qsl, urlsplit

from . import firewall, templates
from .sessions import COOKIE_NAME


def _one_pixel_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\xff")  # filter byte "none", one white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


CAPTCHA_PNG = _one_pixel_png()


class CaptchaMixin:
    """The captcha GET of ReplicaRequestHandler (its replica, cookies, send_html, send_bytes)."""

    def captcha(self):
        self.replica.stats_recorder.count_captcha()
        if firewall.rejects(self.headers, self.replica.config):
            return self.send_html(200, templates.rejected_page())
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        if query.get("accion") != "image":
            return self.send_html(404, templates.not_found_page())
        session = self.replica.sessions.get(self.cookies().get(COOKIE_NAME, ""))
        if session is None:
            return self.send_html(401, "")
        if not session.add_numrnd(query.get("nmagic")):
            return self.send_html(404, templates.not_found_page())
        self.send_bytes(200, CAPTCHA_PNG, "image/png", headers=[("Cache-Control", "no-store")])
