"""Code samples for each operation of the document, in curl, Python, JavaScript and PHP: Redoc shows
them as tabs (x-codeSamples) on /api/docs. Each is a whole call with the operation's example values
and the API key, written from the operation itself, so that a new route gets its samples for free.
Python uses requests (what Peruvian invoicing systems in Python use); JavaScript, fetch (browsers and
Node 18+); PHP, its streams (no extension). examples/ holds complete clients with error handling."""

import json
from urllib.parse import urlencode

BASE_URL = "https://su-servicio"
KEY = "rk_..."
# Values for the path parameters, and for the query parameters an operation requires.
PATH_VALUES = {"ruc": "20131312955", "dni": "12345678"}
QUERY_VALUES = {"q": "comercial"}
# Bodies of the operations that take one.
BODIES = {
    ("post", "/api/ruc/lote"): {"rucs": ["20131312955", "20573215045"]},
    ("post", "/api/vigilancia/lote"): {"rucs": ["20131312955", "20573215045"]},
    ("put", "/api/webhook"): {"url": "https://su-sistema.example/avisos"},
    ("post", "/api/comprobantes/validar"): {"rucEmisor": "20100070970", "tipo": "01", "serie": "F001", "numero": 123,
                                            "fechaEmision": "2026-11-02", "monto": 118.0},
}


def code_samples(method: str, path: str, operation: dict) -> list[dict]:
    url = BASE_URL + path.format(**PATH_VALUES) + _query(operation)
    body = BODIES.get((method, path))
    keyed = operation.get("security") != []
    return [
        {"lang": "Shell", "label": "curl", "source": _curl(method, url, body, keyed)},
        {"lang": "Python", "label": "Python", "source": _python(method, url, body, keyed)},
        {"lang": "JavaScript", "label": "JavaScript", "source": _javascript(method, url, body, keyed)},
        {"lang": "PHP", "label": "PHP", "source": _php(method, url, body, keyed)},
    ]


def _query(operation: dict) -> str:
    required = {parameter["name"]: QUERY_VALUES[parameter["name"]] for parameter in operation.get("parameters", [])
                if parameter.get("in") == "query" and parameter.get("required")}
    return "?" + urlencode(required) if required else ""


def _json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


def _curl(method: str, url: str, body: dict | None, keyed: bool) -> str:
    lines = [f"curl -s -X {method.upper()} '{url}'" if method != "get" else f"curl -s '{url}'"]
    if keyed:
        lines.append(f'-H "Authorization: Bearer {KEY}"')
    if body is not None:
        lines += ['-H "Content-Type: application/json"', f"-d '{_json(body)}'"]
    return " \\\n  ".join(lines)


def _python(method: str, url: str, body: dict | None, keyed: bool) -> str:
    arguments = [repr(url)]
    if keyed:
        arguments.append(f'headers={{"Authorization": "Bearer {KEY}"}}')
    if body is not None:
        arguments.append(f"json={body!r}")
    arguments.append("timeout=30")
    return ("import requests\n\n"
            f"respuesta = requests.{method}({', '.join(arguments)})\n"
            "datos = respuesta.json()  # también los errores: {\"error\": código, \"detail\": mensaje}\n"
            "if not respuesta.ok:\n"
            "    raise RuntimeError(f\"{respuesta.status_code} {datos['error']}: {datos['detail']}\")")


def _javascript(method: str, url: str, body: dict | None, keyed: bool) -> str:
    headers = {**({"Authorization": f"Bearer {KEY}"} if keyed else {}),
               **({"Content-Type": "application/json"} if body is not None else {})}
    options = [f'method: "{method.upper()}"'] if method != "get" else []
    if headers:
        options.append(f"headers: {json.dumps(headers)}")
    if body is not None:
        options.append(f"body: JSON.stringify({_json(body)})")
    call = f'await fetch("{url}"' + (f", {{ {', '.join(options)} }})" if options else ")")
    return (f"const respuesta = {call};\n"
            "const datos = await respuesta.json(); // también los errores: {error, detail}\n"
            "if (!respuesta.ok) throw new Error(`${respuesta.status} ${datos.error}: ${datos.detail}`);")


def _php(method: str, url: str, body: dict | None, keyed: bool) -> str:
    headers = ([f"Authorization: Bearer {KEY}"] if keyed else []) + (
        ["Content-Type: application/json"] if body is not None else [])
    options = [f"'method' => '{method.upper()}'", "'ignore_errors' => true", "'timeout' => 30"]
    if headers:
        options.append("'header' => \"" + "\\r\\n".join(headers) + "\"")  # double quotes: PHP reads \r\n there
    if body is not None:
        options.append(f"'content' => '{_json(body)}'")
    return ("$contexto = stream_context_create(['http' => [" + ", ".join(options) + "]]);\n"
            f"$datos = json_decode(file_get_contents('{url}', false, $contexto), true);\n"
            "// los errores también son JSON: $datos['error'] y $datos['detail']")
