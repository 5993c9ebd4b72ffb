"""What SUNAT is asked for its exchange rate, and how its answers are read, strictly: an answer that is
not exactly what was asked for is refused whole (SunatUnavailable), never stored in part.

- MONTH: POST <SUNAT_TIPO_CAMBIO_URL>/listarTipoCambio {"anio", "mes" (from 0), "token"} ->
  [{"fecPublica": "DD/MM/YYYY", "valTipo": "3.372", "codTipo": "C"|"V"}, ...], a C and a V row per
  published day (crafter-research/sunat-cli). [] is SUNAT refusing the query (it answers so to an
  empty token), never a month without rates.
- TXT: GET SUNAT_TIPO_CAMBIO_TXT_URL -> "DD/MM/YYYY|compra|venta|", the newest published rate.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sunat.exceptions import SunatRefused, SunatUnavailable
from sunat.jsonschema import DATE_TEXT, obj, text

# Any non-empty token passes (the browser sends a reCAPTCHA v3 token); an empty one gets [].
TOKEN = "tipo-cambio"
_VALUE = re.compile(r"^\d{1,2}\.\d{1,3}$")
_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
# Soles per dollar SUNAT has published since the sol's start are within these, with a wide margin.
LOWEST, HIGHEST = Decimal("1.000"), Decimal("20.000")
_ROW_KEYS = {"fecPublica", "valTipo", "codTipo"}
_MAX_ROWS = 2 * 31


@dataclass(frozen=True)
class Published:
    fecha: date
    compra: Decimal
    venta: Decimal


def month_body(year: int, month: int) -> dict:
    return {"anio": year, "mes": month - 1, "token": TOKEN}


def parse_month(text_: str, year: int, month: int, today: date) -> list[Published]:
    """The month's published rates, or SunatUnavailable (SunatRefused for []) for anything else."""
    try:
        rows = json.loads(text_)
    except ValueError:
        raise SunatUnavailable("SUNAT's month of rates is not JSON") from None
    if not isinstance(rows, list):
        raise SunatUnavailable("SUNAT's month of rates is not a list")
    if not rows:
        raise SunatRefused("SUNAT answered no rates at all: it refused the query")
    if len(rows) > _MAX_ROWS:
        raise SunatUnavailable(f"SUNAT answered {len(rows)} rows for one month")
    days: dict[date, dict] = {}
    for row in rows:
        if not isinstance(row, dict) or set(row) != _ROW_KEYS or not all(isinstance(v, str) for v in row.values()):
            raise SunatUnavailable(f"unexpected row in SUNAT's month of rates: {str(row)[:80]}")
        day = _day(row["fecPublica"])
        if (day.year, day.month) != (year, month) or day > today:
            raise SunatUnavailable(f"SUNAT answered a rate of {day} for {year}-{month:02d}")
        kind = {"C": "compra", "V": "venta"}.get(row["codTipo"])
        if kind is None or kind in days.setdefault(day, {}):
            raise SunatUnavailable(f"unexpected or repeated codTipo {row['codTipo']!r} on {day}")
        days[day][kind] = _value(row["valTipo"])
    if any(len(values) != 2 for values in days.values()):
        raise SunatUnavailable("SUNAT answered a day without both compra and venta")
    return [Published(day, values["compra"], values["venta"]) for day, values in sorted(days.items())]


def parse_txt(text_: str) -> Published:
    """The txt's one line, or SunatUnavailable."""
    parts = text_.strip().split("|")
    if len(parts) != 4 or parts[3] != "":
        raise SunatUnavailable(f"unexpected tipoCambio.txt: {text_[:60]!r}")
    return Published(_day(parts[0]), _value(parts[1]), _value(parts[2]))


def _day(value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise SunatUnavailable(f"unexpected date {value[:20]!r} from SUNAT") from None


def _value(value: str) -> Decimal:
    if not _VALUE.match(value) or not LOWEST <= Decimal(value) <= HIGHEST:
        raise SunatUnavailable(f"unexpected rate {value[:20]!r} from SUNAT")
    return Decimal(value)


# The API's answer for one date (GET /api/tipo-cambio), declared with what it is made of.
RATE_SCHEMA = obj({
    "fecha": text(f"{DATE_TEXT}: la fecha consultada.", format="date"),
    "compra": {"type": "number", "description": "Tipo de cambio compra (soles por dólar)."},
    "venta": {"type": "number", "description": "Tipo de cambio venta (soles por dólar)."},
    "moneda": text("Siempre USD.", enum=["USD"]),
    "publicadoEl": text(f"{DATE_TEXT}: el día en que SUNAT publicó el tipo de cambio que rige para la fecha (anterior "
                        "a ella en fines de semana, feriados y antes de la publicación del día).", format="date"),
    "fuente": text("Siempre sunat.", enum=["sunat"]),
}, "El tipo de cambio SUNAT (dólar estadounidense) que rige para una fecha.")
