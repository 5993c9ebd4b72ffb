"""What the stand-in answers to one request (see the package docstring for the sources)."""

import json
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime

TOKEN_PATH = re.compile(r"^/v1/clientesextranet/([^/]+)/oauth2/token/?$")
VALIDATE_PATH = re.compile(r"^/v1/contribuyente/contribuyentes/([^/]*)/validarcomprobante$")
SCOPE = "https://api.sunat.gob.pe/v1/contribuyente/contribuyentes"
CODES = frozenset({"01", "03", "04", "07", "08", "R1", "R7"})
DROP = None  # answer() returns this when the connection is to be closed without an answer
_SERIE = re.compile(r"^[A-Z0-9]{4}$")
_NUMERO = re.compile(r"^[0-9]{1,8}$")
_MONTO = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list = field(default_factory=list)


def _json(status, data):
    return Reply(status, json.dumps(data).encode())


def answer(standin, method, path, headers, body):
    """The Reply for one request, or DROP."""
    if standin.mode == "down":
        return DROP
    if standin.mode == "error":
        return Reply(500, b"<html><body>Internal Server Error</body></html>", "text/html")
    if standin.mode == "slow":
        time.sleep(standin.delay)
    if method != "POST":
        return _json(405, {"cod": "405", "msg": "Method Not Allowed"})
    if match := TOKEN_PATH.match(path):
        return _token(standin, urllib.parse.unquote(match.group(1)), body)
    if match := VALIDATE_PATH.match(path):
        return _validate(standin, match.group(1), headers, body)
    return _json(404, {"cod": "404", "msg": "Not Found"})


def _token(standin, client_id, body):
    form = dict(urllib.parse.parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    if form.get("grant_type") != "client_credentials":
        return _json(400, {"error": "unsupported_grant_type", "error_description": "grant_type no soportado"})
    if form.get("scope") != SCOPE:
        return _json(400, {"error": "invalid_scope", "error_description": "scope no valido"})
    if (client_id != standin.client_id or form.get("client_id") != standin.client_id
            or form.get("client_secret") != standin.client_secret):
        return _json(401, {"error": "invalid_client", "error_description": "cliente no autorizado"})
    token = secrets.token_urlsafe(48)
    standin.tokens[token] = time.monotonic() + standin.expires_in
    return _json(200, {"access_token": token, "token_type": "Bearer", "expires_in": standin.expires_in})


def _validate(standin, consultante, headers, body):
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    expires = standin.tokens.get(token) if scheme.lower() == "bearer" else None
    if expires is None or expires <= time.monotonic():
        return _json(401, {"cod": "401", "msg": "No autorizado"})
    hostile = _hostile(standin)
    if hostile is not None:
        return hostile
    try:
        asked = json.loads(body or b"")
    except ValueError:
        return _json(400, {"success": False, "message": "El cuerpo de la solicitud no es JSON valido"})
    if not isinstance(asked, dict):
        return _json(400, {"success": False, "message": "El cuerpo de la solicitud no es JSON valido"})
    if not re.fullmatch(r"[0-9]{11}", consultante):
        return _refused("El RUC del contribuyente consultante no es valido")
    problem, key = _check(asked)
    if problem:
        return _refused(problem)
    return _json(200, {"success": True, "message": "Operation Success! ", "data": _data(standin, key, asked)})


def _refused(message):
    return _json(200, {"success": False, "message": message, "data": None})


def _check(asked):
    """(what SUNAT refuses, None) or (None, the registry key)."""
    ruc, code = str(asked.get("numRuc", "")), str(asked.get("codComp", ""))
    serie, numero = str(asked.get("numeroSerie", "")), str(asked.get("numero", ""))
    if not re.fullmatch(r"[0-9]{11}", ruc):
        return "El numero de RUC del emisor no es valido", None
    if code not in CODES:
        return "El codigo de tipo de comprobante no es valido", None
    if not _SERIE.match(serie):
        return "El numero de serie no es valido", None
    if not _NUMERO.match(numero) or int(numero) == 0:
        return "El numero de comprobante no es valido", None
    try:
        datetime.strptime(str(asked.get("fechaEmision", "")), "%d/%m/%Y")
    except ValueError:
        return "La fecha de emision no es valida (dd/mm/aaaa)", None
    monto = asked.get("monto")
    if monto is None or monto == "":
        if serie[0].isalpha():
            return "El monto es obligatorio para comprobantes electronicos", None
    elif not _MONTO.match(str(monto)):
        return "El monto no es valido", None
    return None, (ruc, code, serie, int(numero))


def _data(standin, key, asked):
    entry = standin.comprobantes.get(key)
    estado, observaciones = "0", []
    if entry is not None:
        fecha = datetime.strptime(asked["fechaEmision"], "%d/%m/%Y").date().isoformat()
        monto = asked.get("monto")
        if fecha != entry["fecha"]:
            observaciones = ["- La fecha de emision no coincide con la registrada"]
        elif entry["monto"] is not None and monto not in (None, "") and float(monto) != float(entry["monto"]):
            observaciones = ["- El monto no coincide con el registrado"]
        else:
            estado, observaciones = entry["estado"], list(entry["observaciones"])
    data = {"estadoCp": standin.code(estado)}
    emisor = standin.emisores.get(key[0])
    if emisor is not None:
        data["estadoRuc"], data["condDomiRuc"] = emisor
    data["observaciones"] = observaciones
    return data


def _hostile(standin):
    """What a broken or hostile SUNAT answers instead (Standin.hostile)."""
    if standin.hostile == "garbage":
        return Reply(200, b"{\"success\": true, \"data\": {\"estadoCp\": ")
    if standin.hostile == "html":
        return Reply(200, b"<html><body>Request Rejected</body></html>", "text/html")
    if standin.hostile == "huge":
        filler = "x" * (8 * 1024 * 1024)
        return _json(200, {"success": True, "message": filler, "data": {"estadoCp": "1"}})
    if standin.hostile == "redirect":
        return Reply(302, b"", headers=[("Location", "http://127.0.0.1:1/elsewhere")])
    if standin.hostile == "other":
        return _json(200, {"success": True, "message": "Operation Success! ", "data": {
            "numRuc": "20131312955", "codComp": "01", "numeroSerie": "F999", "numero": "1",
            "estadoCp": "1", "estadoRuc": "00", "condDomiRuc": "00", "observaciones": []}})
    if standin.hostile == "shape":
        return _json(200, {"success": True, "message": "ok", "data": {"estadoCp": ["1"], "observaciones": "x"}})
    return None
