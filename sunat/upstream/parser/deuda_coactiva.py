"""The getInfoDC section (debt in coercive collection): its declaration, parse_deuda_coactiva and parse_amount."""

import re

from sunat.jsonschema import DATE_TEXT, nullable, obj
from sunat.upstream.parser.common import parse_date, parse_html
from sunat.upstream.parser.section import DAY, Section, list_of
from sunat.upstream.parser.tables import require_no_information, section_rows, section_value

# Columns, recognized by the words of their header (see REPRESENTANTE_COLUMNS). A public
# client read them on the live page as "Monto de la Deuda | Período Tributario | Fecha de
# Inicio de Cobranza Coactiva | Entidad Asociada a la Deuda": "Monto" wins over "Deuda".
DEUDA_COLUMNS = (
    ("monto", {"MONTO", "IMPORTE"}),
    ("periodoTributario", {"PERIODO"}),
    ("fechaInicioCobranza", {"FECHA", "INICIO"}),
    ("entidad", {"ENTIDAD"}),
)
# The title ("Deuda Coactiva remitida a ...") or the message ("No se ha remitido deuda en
# cobranza coactiva ..."); not Reactiva Perú's "deuda en cobranza coactiva mayor a una UIT".
_DEUDA_SUBJECT_RE = re.compile(r"\bDEUDA\s+COACTIVA\b|\bREMITIDO\s+DEUDA\b")
_AMOUNT_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")  # 1,234.56 / 1234.56 / 1234


def parse_deuda_coactiva(html):
    """
    Parse a getInfoDC page into [{"monto", "periodoTributario",
    "fechaInicioCobranza", "entidad"}, ...] in page order; monto is a number
    (soles), fechaInicioCobranza YYYY-MM-DD, both None when unreadable. [] for
    the "no se ha remitido deuda" variant; ParseError for any other page.
    """
    doc = parse_html(html)
    rows = section_rows(doc, DEUDA_COLUMNS, required={"monto", "periodoTributario"})
    if rows is None:
        require_no_information(doc, html, _DEUDA_SUBJECT_RE, "coercive debt")
        return []
    return [_deuda(values) for values in rows]


def _deuda(values):
    return {
        "monto": parse_amount(values.get("monto")),
        "periodoTributario": section_value(values.get("periodoTributario")),
        "fechaInicioCobranza": parse_date(values.get("fechaInicioCobranza")),
        "entidad": section_value(values.get("entidad")),
    }


def parse_amount(text):
    """An amount cell ("1234.56", "S/ 1,234.56", "S/. 1,234.56") as a float; None if unreadable."""
    text = section_value(text)
    if text is None:
        return None
    text = re.sub(r"^S/\.?\s*", "", text, flags=re.IGNORECASE)
    if not _AMOUNT_RE.fullmatch(text):
        return None
    return float(text.replace(",", ""))


_DESCRIPTION = (
    "Deuda en cobranza coactiva que SUNAT remitió a las centrales de riesgo, en el orden de la "
    "página; lista vacía si SUNAT no ha remitido deuda del contribuyente."
)

SECTION = Section(
    name="deuda-coactiva", key="deudaCoactiva", title="Deuda coactiva", accion="getInfoDC",
    form_name="formInfoDeudaCoactiva", parse=parse_deuda_coactiva, answer_schema="RespuestaDeudaCoactiva",
    schemas={"DeudaCoactiva": obj({
        "monto": nullable("number", "Monto de la deuda, en soles; null si SUNAT no lo indica.", minimum=0),
        "periodoTributario": nullable("string", "Periodo tributario, tal como lo escribe SUNAT."),
        "fechaInicioCobranza": nullable("string", f"{DATE_TEXT} de inicio de la cobranza coactiva.",
                                        format="date"),
        "entidad": nullable("string", "Entidad asociada a la deuda."),
    }, "Una deuda en cobranza coactiva.")},
    value_schema=list_of("DeudaCoactiva", _DESCRIPTION),
    description=_DESCRIPTION,
    empty=list,
    ttl=DAY,  # debts change from one day to the next and are checked before paying a supplier
)
