"""The yes/no pages of the state-guaranteed loan programs (getReactivaPeru, getPGarantiaCOVID19):
"does the taxpayer owe more than one UIT in cobranza coactiva?", with the date of the data and
the law behind it. One parser and one schema for both; each page's module names its subject."""

import re

from lxml import etree

from sunat.jsonschema import DATE_TEXT, nullable, obj, ref
from sunat.upstream.parser.classify import PageKind, classify_page
from sunat.upstream.parser.common import HAS_CLASS, ParseError, element_text, fold, parse_date, parse_html
from sunat.upstream.parser.tables import page_text

_OUTSIDE_FORMS = "not(ancestor::form or ancestor::button or ancestor::script or ancestor::style)"
# Public clients read the answer from a Bootstrap label (span.label, in an h4 on the COVID page).
_LABELS = etree.XPath(f"//span[{HAS_CLASS.format('label')}][{_OUTSIDE_FORMS}]")
_YES_CLASS, _NO_CLASS = "label-danger", "label-success"
# The lines that may carry the legal reference; the innermost one that names it is taken.
_BLOCKS = etree.XPath(
    "//body//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::p"
    f" or self::li or self::td or self::div or self::span][{_OUTSIDE_FORMS}]"
)
_UPDATED_RE = re.compile(r"\bACTUALIZAD[AO]S?\s+AL\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})")
_LEGAL_RE = re.compile(
    r"\b(?:LEY|DECRETO\s+(?:LEGISLATIVO|SUPREMO|DE\s+URGENCIA)|D\.\s*(?:LEG|L|S|U)\.)"
    r"\s*(?:N[\s.:°º]*|NRO\.?|NO\.?)?\s*\d"  # Ley N° 31050, Decreto Legislativo Nº 1455, D.L. 1455
)


def parse_coactiva_programa(html, subject_re, what):
    """
    Parse a program's yes/no page into {"tieneDeudaCoactiva": bool, "actualizadoAl":
    YYYY-MM-DD or None, "referenciaLegal": the line citing the law, or None}.
    ParseError for a page that does not name `subject_re` (folded text) or has no
    SI/NO answer.
    """
    doc = parse_html(html)
    if doc is None:
        raise ParseError(f"Empty page, not a {what} page.")
    kind = classify_page(html)
    if kind is not PageKind.UNKNOWN:
        raise ParseError(f"Not a {what} page: SUNAT answered with a page of kind {kind.value!r}.")
    text = page_text(doc)
    if not subject_re.search(text):
        raise ParseError(f"The page does not name {what}.")
    answer = next((value for value in map(_answer, _LABELS(doc)) if value is not None), None)
    if answer is None:
        raise ParseError(f"No SI/NO answer in the {what} page.")
    updated = _UPDATED_RE.search(text)
    return {
        "tieneDeudaCoactiva": answer,
        "actualizadoAl": parse_date(updated.group(1)) if updated else None,
        "referenciaLegal": _legal_reference(doc),
    }


def _answer(label):
    """True for SI/SÍ, False for NO; by the label's colour when its text is neither."""
    word = re.sub(r"[^A-Z]", "", fold(element_text(label)))
    if word in ("SI", "NO"):
        return word == "SI"
    classes = (label.get("class") or "").split()
    if _YES_CLASS in classes:
        return True
    if _NO_CLASS in classes:
        return False
    return None


def _legal_reference(doc):
    naming = [block for block in _BLOCKS(doc) if _LEGAL_RE.search(fold(element_text(block)))]
    # The innermost: a block none of whose descendants also names the law.
    inner = [block for block in naming if not any(other is not block and _contains(block, other) for other in naming)]
    return element_text(inner[0]) if inner else None


def _contains(outer, inner):
    return any(ancestor is outer for ancestor in inner.iterancestors())


def item_schema(description):
    """The component schema of one program's answer."""
    return obj({
        "tieneDeudaCoactiva": {"type": "boolean",
                               "description": "true si SUNAT responde SI: deuda en cobranza coactiva mayor a una UIT."},
        "actualizadoAl": nullable("string", f"{DATE_TEXT} a la que SUNAT dice tener actualizada la información; "
                                            "null si no la indica.", format="date"),
        "referenciaLegal": nullable("string", "La línea de la página que cita la norma del programa; null si no la hay."),
    }, description)


def value_schema(item_schema_name, description):
    """The answer's value: the program's object, or null when the ficha offers no such page."""
    return {"oneOf": [ref(item_schema_name), {"type": "null"}], "description": description}
