"""The getinfHis section (history): its declaration and parse_historico."""

import re

from sunat.jsonschema import DATE_TEXT, nullable, obj, ref
from sunat.upstream.parser.common import ParseError, fold, parse_date, parse_html
from sunat.upstream.parser.section import Section
from sunat.upstream.parser.tables import require_no_information, section_rows, section_value

# SUNAT serves three tables (past names, conditions, fiscal addresses), each with its own
# header; they are told apart by header words, never by position. Headers may end with ":".
# (key, columns, required columns) per table; see REPRESENTANTE_COLUMNS for how columns match.
HISTORICO_TABLES = (
    ("razonesSociales", (("razonSocial", {"NOMBRE", "RAZON", "DENOMINACION"}), ("fechaBaja", {"BAJA"})),
     {"razonSocial", "fechaBaja"}),
    ("condiciones", (("condicion", {"CONDICION"}), ("desde", {"DESDE", "INICIO"}), ("hasta", {"HASTA", "FIN"})),
     {"condicion", "desde"}),
    ("domicilios", (("direccion", {"DIRECCION", "DOMICILIO"}), ("fechaBaja", {"BAJA"})),
     {"direccion", "fechaBaja"}),
)
# A table without data keeps one row "No hay Información" (with "-" filler cells, maybe).
_NO_INFORMATION_ROW_RE = re.compile(r"NO\s+(?:HAY|EXISTEN?)\s+INFORMACION\b")
_HISTORICO_SUBJECT_RE = re.compile(r"\bHISTORIC[AO]S?\b")


def parse_historico(html):
    """
    Parse a getinfHis page into {"razonesSociales": [{"razonSocial",
    "fechaBaja"}], "condiciones": [{"condicion", "desde", "hasta"}],
    "domicilios": [{"direccion", "fechaBaja"}]}, rows in page order, dates
    YYYY-MM-DD or None ("-" is an open end). A table that says "No hay
    Información" is []. ParseError unless all three tables are there (or the
    whole page says there is no information).
    """
    doc = parse_html(html)
    tables = {key: section_rows(doc, columns, required) for key, columns, required in HISTORICO_TABLES}
    if all(rows is None for rows in tables.values()):
        require_no_information(doc, html, _HISTORICO_SUBJECT_RE, "history")
        return {key: [] for key in tables}
    missing = sorted(key for key, rows in tables.items() if rows is None)
    if missing:
        # Better no answer than an empty list where SUNAT's header changed.
        raise ParseError(f"History page without its {', '.join(missing)} table.")
    return {
        "razonesSociales": [{"razonSocial": section_value(row.get("razonSocial")),
                             "fechaBaja": parse_date(row.get("fechaBaja"))}
                            for row in _data(tables["razonesSociales"])],
        "condiciones": [{"condicion": section_value(row.get("condicion")), "desde": parse_date(row.get("desde")),
                         "hasta": parse_date(row.get("hasta"))}
                        for row in _data(tables["condiciones"])],
        "domicilios": [{"direccion": _address(row.get("direccion")), "fechaBaja": parse_date(row.get("fechaBaja"))}
                       for row in _data(tables["domicilios"])],
    }


def _data(rows):
    """The rows that hold data, not SUNAT's "No hay Información" row."""
    for row in rows:
        filled = [text for text in map(section_value, row.values()) if text]
        if len(filled) == 1 and _NO_INFORMATION_ROW_RE.match(fold(filled[0])):
            continue
        yield row


def _address(text):
    # The portal sometimes puts dashes before an address ("----AV. ...", per a public client).
    text = section_value(text)
    return section_value(text.lstrip("- ")) if text else None


_DESCRIPTION = (
    "Información histórica según SUNAT: razones sociales anteriores, condiciones pasadas del "
    "contribuyente y domicilios fiscales anteriores, cada una en el orden de la página; una lista "
    "vacía si SUNAT no tiene información de esa parte."
)
_FECHA_BAJA = f"{DATE_TEXT} de baja; null si SUNAT no la indica."

SECTION = Section(
    name="historico", key="historico", title="Información histórica", accion="getinfHis", form_name="forminfoHist",
    parse=parse_historico, answer_schema="RespuestaHistorico",
    schemas={
        "RazonSocialAnterior": obj({
            "razonSocial": nullable("string", "Nombre o razón social anterior."),
            "fechaBaja": nullable("string", _FECHA_BAJA, format="date"),
        }, "Un nombre o razón social que el contribuyente tuvo."),
        "CondicionAnterior": obj({
            "condicion": nullable("string", "Condición del contribuyente (HABIDO, NO HABIDO...)."),
            "desde": nullable("string", f"{DATE_TEXT} desde la que rigió; null si no la indica.", format="date"),
            "hasta": nullable("string", f"{DATE_TEXT} hasta la que rigió; null si no la indica.", format="date"),
        }, "Una condición que el contribuyente tuvo."),
        "DomicilioAnterior": obj({
            "direccion": nullable("string", "Dirección del domicilio fiscal anterior, como la escribe SUNAT."),
            "fechaBaja": nullable("string", _FECHA_BAJA, format="date"),
        }, "Un domicilio fiscal que el contribuyente tuvo."),
    },
    value_schema=obj({
        "razonesSociales": {"type": "array", "items": ref("RazonSocialAnterior"),
                            "description": "Razones sociales anteriores; vacía si SUNAT no tiene información."},
        "condiciones": {"type": "array", "items": ref("CondicionAnterior"),
                        "description": "Condiciones anteriores; vacía si SUNAT no tiene información."},
        "domicilios": {"type": "array", "items": ref("DomicilioAnterior"),
                       "description": "Domicilios fiscales anteriores; vacía si SUNAT no tiene información."},
    }, _DESCRIPTION),
    description=_DESCRIPTION,
    empty=lambda: {"razonesSociales": [], "condiciones": [], "domicilios": []},
)
