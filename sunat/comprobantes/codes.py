"""SUNAT's codes in the validation API's answers, and the comprobante types it validates (issue 29's
tables; crafter-research/sunat-cli, validador-cpe-masivo-sunat). Codes come plain ("1", "00") or
zero-padded ("0001"); a code not in a table is shown as such, never an error."""

import re

TIPOS = {
    "01": "factura",
    "03": "boleta de venta",
    "04": "liquidación de compra",
    "07": "nota de crédito",
    "08": "nota de débito",
    "R1": "recibo por honorarios",
    "R7": "nota de crédito de recibo por honorarios",
}
# The first letter an electronic serie has for each type (a printed one is four digits).
ELECTRONIC_SERIES = {"01": "FE", "03": "BE", "04": "EF", "07": "FBE", "08": "FBE", "R1": "E", "R7": "E"}

ESTADO_CP = {0: "NO EXISTE", 1: "ACEPTADO", 2: "ANULADO", 3: "AUTORIZADO", 4: "NO AUTORIZADO"}
ESTADO_RUC = {0: "ACTIVO", 1: "BAJA PROVISIONAL", 2: "BAJA PROV. POR OFICIO", 3: "SUSPENSION TEMPORAL",
              10: "BAJA DEFINITIVA", 11: "BAJA DE OFICIO", 22: "INHABILITADO-VENT.UNICA"}
COND_DOMI = {0: "HABIDO", 9: "PENDIENTE", 11: "POR VERIFICAR", 12: "NO HABIDO", 20: "NO HALLADO"}
ESTADOS = tuple(ESTADO_CP.values())

_CODE = re.compile(r"^[0-9A-Za-z]{1,8}$")


class BadCode(ValueError):
    """What SUNAT sent is not a code at all (a list, a long text): the answer is not understood."""


def word(table: dict, code) -> str | None:
    """The word for `code` (None when SUNAT sent none); "DESCONOCIDO (<code>)" for one not in `table`."""
    if code is None or code == "":
        return None
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise BadCode(f"not a code: {type(code).__name__}")
    text = str(code).strip()
    if not _CODE.match(text):
        raise BadCode("not a code")
    if text.isdigit() and int(text) in table:
        return table[int(text)]
    return f"DESCONOCIDO ({text})"
