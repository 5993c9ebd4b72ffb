"""The getCantTrab section (workers per period): its declaration, parse_trabajadores and its cells."""

import re

from sunat.jsonschema import nullable, obj
from sunat.upstream.parser.common import fold, parse_html
from sunat.upstream.parser.section import Section, list_of
from sunat.upstream.parser.tables import require_no_information, section_rows, section_value

# Columns, recognized by the words of their header (see REPRESENTANTE_COLUMNS):
# for each column the first field with a word in the header wins.
TRABAJADORES_COLUMNS = (
    ("periodo", {"PERIODO"}),
    ("pensionistas", {"PENSIONISTAS", "PENSIONISTA"}),
    ("prestadores", {"PRESTADORES", "PRESTADOR"}),
    ("trabajadores", {"TRABAJADORES", "TRABAJADOR"}),
)
_TRABAJADORES_SUBJECT_RE = re.compile(r"\b(?:TRABAJADOR(?:ES)?|PRESTADOR(?:ES)?)\b")

_COUNT_RE = re.compile(r"\d{1,3}(?:[,.\s]\d{3})+|\d+")  # 1,234 / 1.234 / 1234
_PERIOD_YEAR_FIRST_RE = re.compile(r"(\d{4})\s*[-/.]?\s*(\d{1,2})")  # 2025-03, 2025/03, 202503
_PERIOD_MONTH_FIRST_RE = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{4})")  # 03/2025, 03-2025
_PERIOD_MONTH_NAME_RE = re.compile(r"([A-Z]{3,10})\.?\s*[-/ ]?\s*(\d{4})")  # MAR-2025, MARZO 2025
MONTHS = {
    name: number
    for number, names in enumerate(
        (("ENE", "ENERO"), ("FEB", "FEBRERO"), ("MAR", "MARZO"), ("ABR", "ABRIL"), ("MAY", "MAYO"),
         ("JUN", "JUNIO"), ("JUL", "JULIO"), ("AGO", "AGOSTO"), ("SET", "SEP", "SETIEMBRE", "SEPTIEMBRE"),
         ("OCT", "OCTUBRE"), ("NOV", "NOVIEMBRE"), ("DIC", "DICIEMBRE")),
        start=1,
    )
    for name in names
}


def parse_trabajadores(html):
    """
    Parse a getCantTrab page into [{"periodo": "YYYY-MM", "trabajadores",
    "pensionistas", "prestadores"}, ...], newest period first whatever order
    SUNAT uses; counts are ints or None ("NE", "-", empty). [] for the "no
    information" variant; ParseError for any other page.
    """
    doc = parse_html(html)
    rows = section_rows(doc, TRABAJADORES_COLUMNS, required={"periodo", "trabajadores"})
    if rows is None:
        require_no_information(doc, html, _TRABAJADORES_SUBJECT_RE, "workers")
        return []
    periods = [_trabajadores(values) for values in rows]
    # An unreadable periodo (None) sorts last instead of failing the page.
    return sorted(periods, key=lambda period: period["periodo"] or "", reverse=True)


def _trabajadores(values):
    return {
        "periodo": parse_period(values.get("periodo")),
        "trabajadores": parse_count(values.get("trabajadores")),
        "pensionistas": parse_count(values.get("pensionistas")),
        "prestadores": parse_count(values.get("prestadores")),
    }


def parse_count(text):
    """A count cell as an int; None for "NE", "-", empty or anything unreadable."""
    text = section_value(text)
    if text is None or not _COUNT_RE.fullmatch(text):
        return None
    return int(re.sub(r"\D", "", text))


def parse_period(text):
    """A period cell (2025-03, 03/2025, 202503, MAR-2025...) as "YYYY-MM", else None."""
    text = section_value(text)
    if text is None:
        return None
    text = fold(text)
    if match := _PERIOD_YEAR_FIRST_RE.fullmatch(text):
        year, month = match.groups()
    elif match := _PERIOD_MONTH_FIRST_RE.fullmatch(text):
        month, year = match.groups()
    elif (match := _PERIOD_MONTH_NAME_RE.fullmatch(text)) and match.group(1) in MONTHS:
        month, year = MONTHS[match.group(1)], match.group(2)
    else:
        return None
    month = int(month)
    return f"{int(year):04d}-{month:02d}" if 1 <= month <= 12 else None


_DESCRIPTION = "Trabajadores por periodo, el más reciente primero; lista vacía si SUNAT no tiene información."

SECTION = Section(
    name="trabajadores", key="trabajadores", title="Trabajadores", accion="getCantTrab",
    form_name="formNumTrabajd", parse=parse_trabajadores, answer_schema="RespuestaTrabajadores",
    schemas={"PeriodoTrabajadores": obj({
        "periodo": nullable("string", "Periodo AAAA-MM.", pattern="^[0-9]{4}-[0-9]{2}$"),
        "trabajadores": nullable("integer", "Trabajadores; null si SUNAT no lo indica.", minimum=0),
        "pensionistas": nullable("integer", "Pensionistas; null si SUNAT no lo indica.", minimum=0),
        "prestadores": nullable("integer", "Prestadores de servicios; null si SUNAT no lo indica.", minimum=0),
    }, "Cantidad de trabajadores, pensionistas y prestadores de un periodo.")},
    value_schema=list_of("PeriodoTrabajadores", _DESCRIPTION),
    description=_DESCRIPTION,
)
