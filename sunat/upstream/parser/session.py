"""The pages a SUNAT session is opened with, read for what the next request needs.

- The search form (FrameCriterioBusquedaWeb.jsp): the cookies its script sets
  (`document.cookie="NAME=value; path=..."`, copied by CiaphasC/sunat-ruc-api), and whether a
  page is that form (SUNAT answers it again to a query it refuses).
- A list page (consPorRazonSoc): its hidden numRnd (giansalex/peru-consult; the captured 2021
  and 2026 list pages carry one).
"""

import re

from lxml import etree

from sunat.upstream.parser.common import parse_html

# A literal string assigned to document.cookie, and nothing added to it: a cookie the script
# computes ("TS01=" + value) is a JavaScript challenge that only a browser passes.
_SCRIPT_COOKIE_RE = re.compile(
    r"""document\.cookie\s*=\s*(?P<quote>["'])(?P<cookie>(?:(?!(?P=quote))[^\\\n])*)(?P=quote)\s*(?=[;,)}\n<]|$)""",
    re.MULTILINE,
)
_COOKIE_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_NUMRND_VALUES = etree.XPath("//input[translate(@name, 'NUMRND', 'numrnd')='numrnd']/@value")
# The form's RUC box (#txtRuc) and button (#btnAceptar); every page links back to the form by name, so
# the name says nothing.
_SEARCH_FORM_RE = re.compile(r"""id\s*=\s*["']?(?:txtRuc|btnAceptar)\b""", re.IGNORECASE)
_DIGITS_RE = re.compile(r"^\d{1,20}$")


def script_cookies(html: str) -> list[tuple[str, str, str]]:
    """(name, value, path) of every cookie the page's scripts set with a literal string."""
    cookies = []
    for match in _SCRIPT_COOKIE_RE.finditer(html or ""):
        first, *attributes = match["cookie"].split(";")
        name, sep, value = first.partition("=")
        name = name.strip()
        if not sep or not _COOKIE_NAME_RE.match(name):
            continue
        path = "/"
        for attribute in attributes:
            key, _, attribute_value = attribute.strip().partition("=")
            if key.lower() == "path" and attribute_value.startswith("/"):
                path = attribute_value.strip()
        cookies.append((name, value.strip(), path))
    return cookies


def numrnd(html: str) -> str | None:
    """The numeric numRnd a list page carries (in its selecXNroRuc form), or None."""
    document = parse_html(html)
    if document is None:
        return None
    for value in _NUMRND_VALUES(document):
        value = value.strip()
        if _DIGITS_RE.match(value):
            return value
    return None


def is_search_form(html: str) -> bool:
    """Whether `html` is SUNAT's search form (what it answers a query it does not take)."""
    lowered = (html or "").lower()
    return ("txtruc" in lowered or "btnaceptar" in lowered) and bool(_SEARCH_FORM_RE.search(html))
