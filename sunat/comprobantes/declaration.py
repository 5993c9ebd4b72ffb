"""One validation as SUNAT's API declares it: what is asked (Question, its body and cache key), how
the answer is read and checked, and the schema of what the service answers for it (ITEM_SCHEMA).

Nothing SUNAT sends can hurt: an answer that is not JSON, has the wrong shape, or names another
comprobante than the one asked is SunatUnavailable (never stored); `success: false` is CpeRefused with
SUNAT's message, cleaned and cut.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sunat.comprobantes import codes
from sunat.exceptions import CpeRefused, SunatUnavailable
from sunat.jsonschema import nullable, obj, text

MAX_OBSERVACIONES = 20
_MAX_TEXT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Question:
    ruc: str
    tipo: str
    serie: str
    numero: int
    fecha: date
    monto: Decimal | None  # two decimals, or None where SUNAT does not require it

    @property
    def monto_text(self) -> str:
        return "" if self.monto is None else f"{self.monto:.2f}"

    def key(self) -> str:
        """A digest of every field asked: a wrong monto never shares another question's answer."""
        spelled = "|".join((self.ruc, self.tipo, self.serie, str(self.numero), self.fecha.isoformat(), self.monto_text))
        return hashlib.sha256(spelled.encode()).hexdigest()

    def body(self) -> dict:
        """The JSON SUNAT's validarcomprobante takes."""
        body = {"numRuc": self.ruc, "codComp": self.tipo, "numeroSerie": self.serie, "numero": str(self.numero),
                "fechaEmision": self.fecha.strftime("%d/%m/%Y")}
        if self.monto is not None:
            body["monto"] = float(self.monto)  # as peers send it: a number with two decimals at most
        return body

    def label(self) -> str:
        return f"{self.ruc} {self.tipo} {self.serie}-{self.numero}"


def parse(text_: str, question: Question) -> dict:
    """The service's answer from SUNAT's JSON (without consultadoEn), or what it raises."""
    try:
        body = json.loads(text_)
    except (ValueError, RecursionError):
        raise SunatUnavailable("SUNAT's API answered something that is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
        raise SunatUnavailable("SUNAT's API answered JSON that is not a validation")
    if not body["success"]:
        message = clean(body.get("message")) or "sin mensaje"
        raise CpeRefused(message)
    data = body.get("data")
    if not isinstance(data, dict):
        raise SunatUnavailable("SUNAT's API answered success without data")
    _check_is_ours(data, question)
    try:
        answer = {
            "estado": codes.word(codes.ESTADO_CP, data.get("estadoCp")),
            "estadoRuc": codes.word(codes.ESTADO_RUC, data.get("estadoRuc")),
            "condicionDomicilio": codes.word(codes.COND_DOMI, data.get("condDomiRuc")),
        }
    except codes.BadCode as exc:
        raise SunatUnavailable(f"SUNAT's API answered a code that is not one: {exc}") from None
    if answer["estado"] is None:
        raise SunatUnavailable("SUNAT's API answered without estadoCp")
    answer["observaciones"] = _observaciones(data.get("observaciones"))
    return answer


def _check_is_ours(data: dict, question: Question) -> None:
    """SUNAT does not echo the comprobante; an answer that names one must name the one asked."""
    asked = {"numRuc": question.ruc, "codComp": question.tipo, "numeroSerie": question.serie,
             "numero": str(question.numero)}
    for field, ours in asked.items():
        if field in data:
            theirs = str(data[field]).strip().upper()
            if field == "numero":
                theirs = theirs.lstrip("0")
            if theirs != ours:
                raise SunatUnavailable(f"SUNAT's API answered for another comprobante ({field})")


def _observaciones(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SunatUnavailable("SUNAT's API answered observaciones that are not a list of texts")
    cleaned = [clean(item.strip().removeprefix("-").strip()) for item in value[:MAX_OBSERVACIONES]]
    return [item for item in cleaned if item]


def clean(value) -> str:
    """SUNAT's text, safe to show: a string without control characters, at most 300 characters."""
    if not isinstance(value, str):
        return ""
    return " ".join(_CONTROL.sub(" ", value).split())[:_MAX_TEXT]


ESTADO_TEXT = "Estado del comprobante en SUNAT: " + ", ".join(codes.ESTADOS) + (
    ' (un código que SUNAT añada se muestra como "DESCONOCIDO (<código>)").')
ITEM_SCHEMA = obj({
    "estado": text(ESTADO_TEXT, examples=["ACEPTADO"]),
    "estadoRuc": nullable("string", "Estado del RUC del emisor según SUNAT (ACTIVO, BAJA DEFINITIVA, ...); null si "
                          "SUNAT no lo dio.", examples=["ACTIVO"]),
    "condicionDomicilio": nullable("string", "Condición del domicilio del emisor (HABIDO, NO HABIDO, NO HALLADO, ...); "
                                   "null si SUNAT no la dio.", examples=["HABIDO"]),
    "observaciones": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_OBSERVACIONES,
                      "description": "Observaciones de SUNAT sobre el comprobante."},
    "consultadoEn": text("Cuándo respondió SUNAT (UTC, AAAA-MM-DDTHH:MM:SSZ): la edad de la respuesta.",
                         format="date-time"),
    "emisor": {"type": ["object", "null"], "description": "Lo que este servicio tiene guardado del RUC del emisor "
               "(la misma ficha de GET /api/ruc/{ruc}); null si no lo tiene. Nunca se consulta a SUNAT por él."},
}, "La validez de un comprobante según la API oficial de SUNAT.")
