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
_SERIE = re.compile(r"^[A-Z0-9]{4}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_NUMERO = re.compile(r"^[0-9]{1,8}$")


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
        return validate_ruc(value.strip())
    except InvalidRuc as exc:
        raise InvalidField("rucEmisor", f"rucEmisor: {exc}") from None


def _tipo(value) -> str:
    if not isinstance(value, str) or value.strip().upper() not in codes.TIPOS:
        listed = ", ".join(f"{code} ({name})" for code, name in codes.TIPOS.items())
        raise InvalidField("tipo", f"El campo tipo debe ser un código de comprobante de SUNAT: {listed}.")
    return value.strip().upper()


def _serie(value, tipo: str) -> str:
    serie = value.strip().upper() if isinstance(value, str) else ""
    if not _SERIE.match(serie):
        raise InvalidField("serie", "El campo serie debe tener 4 caracteres: una letra y 3 letras o dígitos "
                                    "(electrónica, p. ej. F001) o 4 dígitos (impresa, p. ej. 0001).")
    if serie[0].isalpha() and serie[0] not in codes.ELECTRONIC_SERIES[tipo]:
        letters = " o ".join(codes.ELECTRONIC_SERIES[tipo])
        raise InvalidField("serie", f"La serie electrónica de un comprobante tipo {tipo} empieza con {letters}.")
    if not serie[0].isalpha() and not serie.isdigit():
        raise InvalidField("serie", "Una serie impresa tiene 4 dígitos (p. ej. 0001).")
    return serie


def _numero(value) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _NUMERO.match(value.strip()):
        number = int(value.strip())
    else:
        number = 0
    if not 1 <= number <= MAX_NUMERO:
        raise InvalidField("numero", f"El campo numero debe ser el correlativo, un entero entre 1 y {MAX_NUMERO}.")
    return number


def _fecha(value, today: date) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
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
    if value is None or value == "":
        if required:
            raise InvalidField("monto", "El campo monto (importe total) es obligatorio para un comprobante electrónico.")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidField("monto", "El campo monto debe ser un número positivo con hasta 2 decimales.")
    try:
        monto = Decimal(str(value).strip())
    except InvalidOperation:
        monto = None
    if monto is None or not monto.is_finite() or monto <= 0 or monto > MAX_MONTO or monto.as_tuple().exponent < -2:
        raise InvalidField("monto", "El campo monto debe ser un número positivo con hasta 2 decimales.")
    return monto.quantize(Decimal("0.01"))
