"""Shared pieces of the parsers: ParseError, HTML parsing, and text normalisation."""

import datetime
import re
import unicodedata
from functools import lru_cache

import lxml.html
from lxml import etree


class ParseError(ValueError):
    """The HTML is not a RUC result page we can read."""


# Comments are dropped at parse time so commented-out rows can never be read.
# The input is fed as UTF-8 bytes with the encoding fixed, so a <meta charset>
# or <?xml encoding?> declaration in the page cannot override it.
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)

DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")

# XPath test for one class among an element's classes; format with the class name.
HAS_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
TEXT_NODES = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")

_RUC_RE = re.compile(r"(?<!\d)(?:10|15|16|17|20)\d{9}(?!\d)")


def rucs_named(html: str) -> set[str]:
    """Every RUC-like number a page shows (a section's title names its RUC)."""
    return set(_RUC_RE.findall(html))


EMPTY_VALUES = {"", "-", "NINGUNO"}


def parse_html(html):
    """The lxml document for `html`; None for an empty or unparseable page."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None


def collapse(text):
    """Collapse runs of whitespace (including newlines and NBSP) into one space."""
    return " ".join(text.split())


def clean(text):
    """Collapsed text, or None for SUNAT's empty markers ("-", "NINGUNO", "")."""
    if text is None:
        return None
    text = collapse(text)
    return None if text.upper() in EMPTY_VALUES else text


def parse_date(text):
    """Turn dd/mm/yyyy into YYYY-MM-DD; None for empty markers or anything else."""
    text = clean(text)
    if text is None:
        return None
    match = DATE_RE.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


@lru_cache(maxsize=512)
def _fold_char(char):
    # One char in, one char out, so indexes in the folded text match the original.
    base = unicodedata.normalize("NFD", char)[0]
    upper = base.upper()
    return upper if len(upper) == 1 else base


def fold(text):
    """Upper-case, accent-free copy of `text` with the same length."""
    return "".join(_fold_char(char) for char in text)


def element_text(element):
    """An element's text, whitespace collapsed, scripts and styles left out."""
    # Join text nodes with spaces so <br> or inline tags never glue words.
    return collapse(" ".join(TEXT_NODES(element)))
