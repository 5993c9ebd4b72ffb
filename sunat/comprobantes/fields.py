"""The API's input, field by field: a Question, or InvalidField naming the field (Spanish detail)."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sunat.comprobantes import codes
from sunat.comprobantes.declaration import Question
from sunat.validators import InvalidRuc, validate_ruc

FIELDS = ("rucEmisor", "tipo", "serie", "numero", "fechaEmision", "monto")
MAX_NUMERO = 99_999_999
MAX_MONTO = Decimal("999999999999.99")
# The patterns the OpenAPI document gives (sunat.api.openapi.paths_comprobantes): what they accept, the
# view accepts, but for what no pattern says (the check digit, a serie's letter per tipo, dates).
SERIE_PATTERN = "^([A-Z][A-Z0-9]{3}|[0-9]{4})$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NUMERO_PATTERN = "^0*[1-9][0-9]{0,7}$"
MONTO_PATTERN = "^[0-9]{1,12}([.][0-9]{1,2})?$"
_SERIE, _DATE, _NUMERO, _MONTO = (re.compile(p) for p in (SERIE_PATTERN, DATE_PATTERN, NUMERO_PATTERN, MONTO_PATTERN))


class InvalidField(ValueError):
    def __init__(self, field: str, detail: str):
        super().__init__(detail)
        self.field = field
        self.detail = detail


def question(item, today: date) -> Question:
    """The Question an item of the API asks; InvalidField for the first field that is wrong."""
    if not isinstance(item, dict):
        raise InvalidField("comprobante", "Cada comprobante debe ser un objeto con rucEmisor, tipo, serie, numero, "
                                          "fechaEmision y monto.")
    for name in item:
        if name not in FIELDS:
            raise InvalidField(str(name)[:64], f"Campo desconocido: {str(name)[:64]}. Los campos son "
                                               f"{', '.join(FIELDS)}.")
    ruc = _ruc(item.get("rucEmisor"))
    tipo = _tipo(item.get("tipo"))
    serie = _serie(item.get("serie"), tipo)
    numero = _numero(item.get("numero"))
    fecha = _fecha(item.get("fechaEmision"), today)
    monto = _monto(item.get("monto"), required=serie[0].isalpha())
    return Question(ruc, tipo, serie, numero, fecha, monto)


def _ruc(value) -> str:
    if not isinstance(value, str):
        raise InvalidField("rucEmisor", "El campo rucEmisor es obligatorio: el RUC del emisor, 11 dígitos.")
    try:
        return validate_ruc(value)
    except InvalidRuc as exc:
        raise InvalidField("rucEmisor", f"rucEmisor: {exc}") from None


def _tipo(value) -> str:
    if not isinstance(value, str) or value not in codes.TIPOS:
        listed = ", ".join(f"{code} ({name})" for code, name in codes.TIPOS.items())
        raise InvalidField("tipo", f"El campo tipo debe ser un código de comprobante de SUNAT: {listed}.")
    return value


def _serie(value, tipo: str) -> str:
    if not isinstance(value, str) or not _SERIE.fullmatch(value):
        raise InvalidField("serie", "El campo serie debe tener 4 caracteres en mayúsculas: una letra y 3 letras o "
                                    "dígitos (electrónica, p. ej. F001) o 4 dígitos (impresa, p. ej. 0001).")
    if value[0].isalpha() and value[0] not in codes.ELECTRONIC_SERIES[tipo]:
        letters = " o ".join(codes.ELECTRONIC_SERIES[tipo])
        raise InvalidField("serie", f"La serie electrónica de un comprobante tipo {tipo} empieza con {letters}.")
    return value


def _numero(value) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _NUMERO.fullmatch(value):
        number = int(value)
    else:
        number = 0
    if not 1 <= number <= MAX_NUMERO:
        raise InvalidField("numero", f"El campo numero debe ser el correlativo, un entero entre 1 y {MAX_NUMERO}.")
    return number


def _fecha(value, today: date) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise InvalidField("fechaEmision", "El campo fechaEmision debe ser una fecha AAAA-MM-DD.")
    try:
        fecha = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidField("fechaEmision", "El campo fechaEmision no es una fecha que exista.") from None
    if fecha > today:
        raise InvalidField("fechaEmision", "El campo fechaEmision no puede ser una fecha futura.")
    if fecha.year < 2000:
        raise InvalidField("fechaEmision", "El campo fechaEmision debe ser del año 2000 en adelante.")
    return fecha


def _monto(value, required: bool) -> Decimal | None:
    if value is None:
        if required:
            raise InvalidField("monto", "El campo monto (importe total) es obligatorio para un comprobante electrónico.")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or (
            isinstance(value, str) and not _MONTO.fullmatch(value)):
        raise InvalidField("monto", "El campo monto debe ser un número positivo con hasta 2 decimales.")
    try:
        monto = Decimal(str(value))
    except InvalidOperation:
        monto = None
    if monto is None or not monto.is_finite() or monto <= 0 or monto > MAX_MONTO or monto.as_tuple().exponent < -2:
        raise InvalidField("monto", "El campo monto debe ser un número positivo con hasta 2 decimales.")
    return monto.quantize(Decimal("0.01"))
