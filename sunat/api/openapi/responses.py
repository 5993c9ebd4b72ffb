"""The reusable components (parameters, headers, responses) and the helpers that refer to them."""

import re

from django.conf import settings

from sunat.jsonschema import ref
from sunat.lookups.fresh import FRESH_INTERVAL
from sunat.upstream.clients import SECTIONS
from sunat.validators import RUC_PREFIXES

# What sunat.validators.validate_ruc checks, said where a client generator can read it: the digits and
# the prefix as a pattern, the check digit (no pattern can say it) in words and as the format "ruc".
RUC_PATTERN = f"^({'|'.join(RUC_PREFIXES)})[0-9]{{9}}$"
CHECK_DIGIT_TEXT = (
    "El último dígito es el verificador: 11 menos el resto de dividir entre 11 la suma de los 10 primeros "
    "dígitos multiplicados por 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 (si resulta 10 es 0; si resulta 11, 1)."
)


def _blank_class() -> str:
    """A character class of what str.strip() removes, spelled out: \\s differs between Python and ECMA-262."""
    codes = [code for code in range(0x3000 + 1) if chr(code).isspace()]  # U+3000 is the last one
    ranges, start = [], codes[0]
    for previous, code in zip(codes, [*codes[1:], None], strict=True):
        if code != previous + 1:
            ranges.append(f"\\u{start:04x}" + (f"-\\u{previous:04x}" if previous != start else ""))
            start = code
    return f"[{''.join(ranges)}]"


# ?secciones=: names separated by commas; blanks around a name and empty items are ignored, at least one name.
_SECTION, _BLANKS = f"({'|'.join(SECTIONS)})", f"{_blank_class()}*"
SECTIONS_PATTERN = f"^({_BLANKS},)*{_BLANKS}{_SECTION}{_BLANKS}(,{_BLANKS}({_SECTION}{_BLANKS})?)*$"


def any_case(*words: str) -> str:
    """A pattern for one of `words` in any case, or nothing: what a view that lower-cases the value accepts."""
    spelled = ("".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in word) for word in words)
    return f"^({'|'.join(spelled)})?$"


def parameter_components() -> dict:
    return {
        "ruc": {
            "name": "ruc", "in": "path", "required": True,
            "description": f"RUC de 11 dígitos ASCII que empieza con {', '.join(RUC_PREFIXES[:-1])} o "
                           f"{RUC_PREFIXES[-1]}. {CHECK_DIGIT_TEXT} Si no, 400 ruc_invalido sin consultar a SUNAT. "
                           "El formato «ruc» es este: patrón y dígito verificador.",
            "schema": {"type": "string", "pattern": RUC_PATTERN, "format": "ruc"},
            "examples": {"empresa": {"value": "20573215045"}, "persona": {"value": "10123456781"},
                         "inexistente": {"value": "20000000001"}},
        },
        "dni": {
            "name": "dni", "in": "path", "required": True,
            "description": "DNI de 8 dígitos ASCII; se consulta el RUC 10 + DNI + dígito verificador.",
            "schema": {"type": "string", "pattern": "^[0-9]{8}$"},
            "examples": {"persona": {"value": "12345678"}},
        },
        "fresh": {
            "name": "fresh", "in": "query", "required": False,
            "description": "1 o true: consultar a SUNAT ahora, aunque la respuesta guardada esté vigente (X-Cache "
                           "MISS). Para no cansar a SUNAT, a lo más una vez por minuto por RUC (y por sección) "
                           "para cada clave de API (sin clave, para cada dirección), y nunca si la respuesta "
                           "guardada es de SUNAT de hace menos de un minuto: entonces se responde la guardada "
                           "(HIT), y la cabecera X-Fresh-Disponible-En dice en cuántos segundos se podrá pedir de "
                           "nuevo. Cuenta contra la cuota de la clave como cualquier consulta. Si SUNAT falla, se "
                           "responde la guardada (STALE). 0, false o vacío: el comportamiento normal. Otro valor: "
                           "400 parametro_invalido. No distingue mayúsculas.",
            "schema": {"type": "string", "pattern": any_case("1", "0", "true", "false")},
            "examples": {"consultar a SUNAT ahora": {"value": "1"}},
        },
        "fuente": {
            "name": "fuente", "in": "query", "required": False,
            "description": "sunat: solo la ficha completa de SUNAT. padron: solo el Padrón Reducido importado "
                           "(404 ruc_no_encontrado_en_padron si no lo tiene; nunca consulta a SUNAT). Sin el "
                           "parámetro: el padrón responde cuando no hay una respuesta de SUNAT guardada. Otro "
                           "valor: 400 parametro_invalido. No distingue mayúsculas.",
            "schema": {"type": "string", "pattern": any_case("sunat", "padron")},
            "examples": {"ficha de SUNAT": {"value": "sunat"}, "padrón": {"value": "padron"}},
        },
        "secciones": {
            "name": "secciones", "in": "query", "required": False,
            "description": "Las secciones a incluir, separadas por comas (sin el parámetro: todas): "
                           f"{', '.join(SECTIONS)}. Se ignoran los espacios alrededor de cada una y los elementos "
                           "vacíos. Una que no existe, o ninguna: 400 parametro_invalido.",
            "schema": {"type": "string", "pattern": SECTIONS_PATTERN},
            "examples": {"para facturar": {"value": "establecimientos,deuda-coactiva"}},
        },
    }


def header_components() -> dict:
    def header(description, schema, required=False):
        return {"description": description, "required": required, "schema": schema}

    return {
        "X-Cache": header("HIT: del caché o de una consulta guardada; MISS: consultado a SUNAT ahora; STALE: una "
                          "respuesta vencida, servida mientras se actualiza en segundo plano o porque SUNAT falló.",
                          {"type": "string", "enum": ["HIT", "MISS", "STALE"]}, required=True),
        "Retry-After": header("Segundos sugeridos antes de reintentar.", {"type": "integer", "minimum": 0},
                              required=True),
        "X-Fresh-Disponible-En": header(
            f"Solo con fresh=1: en cuántos segundos se podrá volver a consultar a SUNAT por esta respuesta "
            f"({FRESH_INTERVAL} si se le consultó ahora). Mientras tanto, fresh=1 responde lo guardado.",
            {"type": "integer", "minimum": 1, "maximum": FRESH_INTERVAL}),
        **_rate_limit_headers(header),
        "WWW-Authenticate": header('Bearer realm="api"', {"type": "string"}, required=True),
        "Allow": header("Los métodos que admite la ruta.", {"type": "string"}, required=True),
    }


def _rate_limit_headers(header) -> dict:
    """X-RateLimit-{Limit,Remaining,Reset}-{Minute,Day}: on every answer to a request with an API key."""
    headers = {}
    for period, quota, reset in (("Minute", "por minuto", "el minuto siguiente"),
                                 ("Day", "por día (día de Lima)", "la medianoche en Lima")):
        headers |= {
            f"X-RateLimit-Limit-{period}": header(
                f"La cuota {quota} que se le aplica a la clave (solo con clave de API). Sin caché compartido "
                "entre los procesos del servicio, la parte de la cuota de cada proceso.",
                {"type": "integer", "minimum": 0}),
            f"X-RateLimit-Remaining-{period}": header(
                f"Solicitudes que le quedan a la clave de su cuota {quota} (solo con clave de API).",
                {"type": "integer", "minimum": 0}),
            f"X-RateLimit-Reset-{period}": header(
                f"Segundos hasta {reset}, cuando esa cuota vuelve a empezar (solo con clave de API).",
                {"type": "integer", "minimum": 1}),
        }
    return headers


def header_refs(*names: str) -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


RATE_LIMIT = tuple(f"X-RateLimit-{what}-{period}" for period in ("Minute", "Day")
                   for what in ("Limit", "Remaining", "Reset"))


def json_content(schema_name: str) -> dict:
    return {"application/json": {"schema": ref(schema_name)}}


def error(description: str, *headers: str) -> dict:
    """An error answer, with an example of each code its description lists ("Códigos: a (why), b")."""
    content = json_content("Error")
    examples = {code: {"summary": code, "value": {"error": code, "detail": why}} for code, why in error_codes(description)}
    if examples:
        content["application/json"]["examples"] = examples
    response = {"description": description, "content": content}
    if headers:
        response["headers"] = header_refs(*headers)
    return response


_CODES_START = re.compile(r"C[oó]digos?: ")
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def error_codes(description: str) -> list[tuple[str, str]]:
    """(code, what it means) for each code after "Código:"/"Códigos:", the meaning read from the
    parentheses that follow it (balanced), else the description's first sentence."""
    found = []
    for start in _CODES_START.finditer(description):
        position = start.end()
        while match := _CODE.match(description, position):
            position, why = match.end(), ""
            if description.startswith(" (", position):
                depth, end = 0, position + 1
                for end in range(position + 1, len(description)):
                    depth += {"(": 1, ")": -1}.get(description[end], 0)
                    if depth == 0:
                        break
                why, position = description[position + 2:end], end + 1
            found.append((match.group(), _sentence(why or description.split(". ")[0])))
            separator = re.match(r"(?:,| y| o)\s+", description[position:])
            if separator is None:
                break
            position += separator.end()
    return found


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def response_components() -> dict:
    """Reusable responses: those whose codes are the same wherever they occur."""
    return {
        "NoAutorizado": error(
            "Falta la clave de API o no es válida. Códigos: api_key_requerida (no se envió la cabecera "
            "Authorization y el servicio exige clave), api_key_invalida (la clave no existe, está mal "
            "formada o fue revocada).", "WWW-Authenticate"),
        "MetodoNoPermitido": error(
            "Método no admitido por la ruta. Código: metodo_no_permitido; la cabecera Allow dice qué métodos "
            "admite.", "Allow"),
        "CuotaExcedida": error(
            "La clave de API agotó su cuota por minuto o su cuota diaria; detail dice cuál. Código: "
            "cuota_excedida; Retry-After dice cuántos segundos faltan para el minuto siguiente o para la "
            "medianoche en Lima, y las cabeceras X-RateLimit-* cuánto queda de cada cuota.", "Retry-After",
            *RATE_LIMIT),
        "SunatNoDisponible": error(
            "SUNAT no está disponible y no hay respuesta guardada. Códigos: sunat_no_disponible (firewall, "
            "página de error o sin conexión; mientras el servicio está pausado, tras el rechazo del firewall de "
            "SUNAT o varias consultas sin respuesta, detail lo dice con los segundos que faltan, «pausado N s», y "
            "Retry-After es N), sunat_ocupado (el servicio ya tiene en espera tantas consultas a SUNAT como "
            "admite, o este cliente su parte de ellas: se responde al instante).", "Retry-After"),
        "SunatTimeout": error(
            f"SUNAT no respondió dentro del plazo de la consulta ({settings.SUNAT_DEADLINE:g} s, que cubren esperas, intentos y "
            "reintentos) y no hay respuesta guardada. Código: sunat_timeout.", "Retry-After"),
    }


def response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def too_many_fields() -> str:
    # Django's own limit (DATA_UPLOAD_MAX_NUMBER_FIELDS), answered by sunat.api.views.bad_request.
    return f"solicitud_invalida (más de {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} parámetros en la URL)"
