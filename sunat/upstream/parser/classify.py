"""Page classification: PageKind, classify_page, and the message of error pages (error_message)."""

import enum
import re

from lxml import etree

from sunat.upstream.parser.common import HAS_CLASS, TEXT_NODES, collapse, element_text, parse_html
from sunat.upstream.parser.panel import result_panel


class PageKind(enum.Enum):
    RESULT = "result"
    NOT_FOUND = "not_found"
    REJECTED = "rejected"
    ERROR = "error"
    UNKNOWN = "unknown"


# Cheap markers, tested on the raw string before any parsing.
_REJECTED_RE = re.compile(
    r"<title>\s*Request\s+Rejected\s*</title>|The\s+requested\s+URL\s+was\s+rejected",
    re.IGNORECASE,
)
_ERROR_RE = re.compile(r"P(?:a|á|&aacute;|&#0*225;)gina\s+de\s+(?:Error|Mensajes)", re.IGNORECASE)
_NOT_VALID = r"no\s+es\s+v(?:a|á|&aacute;|&#0*225;|&#x0*e1;)lido"
_NOT_FOUND_RE = re.compile(r"consultado\s+" + _NOT_VALID, re.IGNORECASE)
_NOT_FOUND_TEXT_RE = re.compile(r"no\s+es\s+v[aá]lido", re.IGNORECASE)
_RUC_LABEL_HINT_RE = re.compile(r"mero\s+de\s+RUC", re.IGNORECASE)

# Page text minus links and buttons ("[Go Back]", "Volver"): the message itself.
_MESSAGE_TEXT_NODES = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::a or ancestor::button)]"
)
_ERROR_PARAGRAPHS = etree.XPath("//p[{}]".format(HAS_CLASS.format("error")))
_BODY = etree.XPath("//body")


def marked_kind(html):
    """The kind of a firewall, not-found or error page, from its markers alone (no parsing); None
    for any other page."""
    if not html:
        return None
    # A case-insensitive pattern scans the whole page slowly; a plain word it cannot match without
    # is looked for first (a result page has none of them).
    lowered = html.lower()
    if "rejected" in lowered and _REJECTED_RE.search(html):
        return PageKind.REJECTED
    # Checked before the error markers: the "no es válido" message may come
    # inside a generic "Pagina de Mensajes" page and is the more useful answer.
    if "consultado" in lowered and _NOT_FOUND_RE.search(html):
        return PageKind.NOT_FOUND
    if ("error" in lowered or "mensajes" in lowered) and _ERROR_RE.search(html):
        return PageKind.ERROR
    return None


def classify_page(html):
    """Tell what kind of SUNAT page `html` is, parsing only when needed."""
    if not html:
        return PageKind.UNKNOWN
    kind = marked_kind(html)
    if kind is not None:
        return kind
    # A result needs the real panel and RUC row, not just the words.
    if "panel-primary" in html and _RUC_LABEL_HINT_RE.search(html):
        if result_panel(parse_html(html)) is not None:
            return PageKind.RESULT
    return PageKind.UNKNOWN


def error_message(html):
    """
    The message SUNAT shows on an error, not-found or firewall page,
    whitespace collapsed; None for other pages or when there is none.
    """
    kind = classify_page(html)
    if kind not in (PageKind.ERROR, PageKind.NOT_FOUND, PageKind.REJECTED):
        return None
    doc = parse_html(html)
    if doc is None:
        return None
    if kind == PageKind.NOT_FOUND:
        return _not_found_message(doc)
    if kind == PageKind.ERROR:
        paragraphs = [element_text(p) for p in _ERROR_PARAGRAPHS(doc)]
        message = collapse(" ".join(paragraphs))
        if message:
            return message
    # "Pagina de Mensajes" without p.error, and the firewall page: body text.
    bodies = _BODY(doc)
    if not bodies:
        return None
    return collapse(" ".join(_MESSAGE_TEXT_NODES(bodies[0]))) or None


def _not_found_message(doc):
    for text in TEXT_NODES(doc):
        if _NOT_FOUND_TEXT_RE.search(text):
            # A tail text belongs to the element's parent.
            element = text.getparent()
            if text.is_tail:
                element = element.getparent()
            return element_text(element) or None
    return None
