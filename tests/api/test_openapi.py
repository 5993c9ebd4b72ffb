"""The OpenAPI description (sunat.api.openapi): a valid document that lists every route, served as JSON
and HTML, and what the API really answers conforms to it (Schemathesis against the WSGI app).
"""

import copy
import json
import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from devtools.replica import make_ruc
from sunat import urls
from sunat.api import openapi
from sunat.keys import services as api_keys
from sunat.upstream.clients import SECTIONS
from sunat.upstream.parser import FIELDS

APP = get_wsgi_application()
# Loaded the way a client would: from the running app's /api/schema (Schemathesis' test client
# sends Host "localhost", one of config.settings.test's ALLOWED_HOSTS).
# Schemathesis leaves out the operation the schema was loaded from: test_schema_is_served_as_json
# checks GET /api/schema.
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema", APP)


# Each route of sunat/urls.py -> the OpenAPI path describing it. A route missing here, or a path
# missing from the schema, fails test_schema_lists_exactly_the_routes_of_the_api.
ROUTES = {
    r"^api/ruc/?$": "/api/ruc/{ruc}",  # no RUC: the 400 ruc_invalido of /api/ruc/{ruc}
    r"^obtener-ruc/?$": "/obtener-ruc/{ruc}",
    r"^api/ruc/lote/?$": "/api/ruc/lote",
    r"^api/ruc/(?P<ruc>[^/]*)/?$": "/api/ruc/{ruc}",
    r"^api/ruc/(?P<ruc>[^/]*)/completo/?$": "/api/ruc/{ruc}/completo",
    r"^obtener-ruc/(?P<ruc>[^/]*)/?$": "/obtener-ruc/{ruc}",
    r"^api/buscar/?$": "/api/buscar",
    r"^api/dni/(?P<dni>[^/]*)/?$": "/api/dni/{dni}",
    "health": "/health",
    "health/live": "/health/live",
    "health/ready": "/health/ready",
    "metrics": "/metrics",
    r"^api/schema/?$": "/api/schema",
    r"^api/docs/?$": "/api/docs",
    r"^api/docs/texto/?$": "/api/docs/texto",
    r"^api/vigilancia/?$": "/api/vigilancia",
    r"^api/vigilancia/lote/?$": "/api/vigilancia/lote",
    r"^api/vigilancia/(?P<ruc>[^/]*)/?$": "/api/vigilancia/{ruc}",
    r"^api/cambios/?$": "/api/cambios",
    r"^api/webhook/?$": "/api/webhook",
    r"^api/tipo-cambio/?$": "/api/tipo-cambio",
    r"^api/comprobantes/validar/?$": "/api/comprobantes/validar",
}
SECTION_ROUTE = r"^api/ruc/(?P<ruc>[^/]*)/(?P<section>{})/?$".format("|".join(SECTIONS))
METHODS = {"/api/ruc/lote": {"post"}, "/api/vigilancia/lote": {"post"}, "/api/comprobantes/validar": {"post"},
           "/api/vigilancia/{ruc}": {"put", "delete", "get"},
           "/api/webhook": {"put", "delete", "get"}}  # every other path: GET only

# The error codes each operation can answer, per status (read from the views, the middleware and
# sunat.lookups.errors). Each must be named in that response's description.
KEY = {"401": ["api_key_requerida", "api_key_invalida"], "429": ["cuota_excedida"]}
NOT_ALLOWED = {"405": ["metodo_no_permitido"]}
SUNAT_DOWN = {"503": ["sunat_no_disponible"], "504": ["sunat_timeout"]}
RUC_LOOKUP = {
    "400": ["ruc_invalido", "parametro_invalido", "solicitud_invalida"],
    "404": ["ruc_no_encontrado", "ruc_no_encontrado_en_padron", "ruta_no_encontrada"],
    **KEY, **NOT_ALLOWED, **SUNAT_DOWN,
}
ERROR_CODES = {
    ("/api/ruc/{ruc}", "get"): RUC_LOOKUP,
    ("/obtener-ruc/{ruc}", "get"): RUC_LOOKUP,
    **{(f"/api/ruc/{{ruc}}/{section}", "get"): {
        "400": ["ruc_invalido", "parametro_invalido", "solicitud_invalida"],
        "404": ["ruc_no_encontrado", "ruta_no_encontrada"],
        **KEY, **NOT_ALLOWED, **SUNAT_DOWN,
    } for section in SECTIONS},
    ("/api/ruc/{ruc}/completo", "get"): {
        "400": ["ruc_invalido", "parametro_invalido", "solicitud_invalida"],
        "404": ["ruc_no_encontrado", "ruta_no_encontrada"],
        **KEY, **NOT_ALLOWED, **SUNAT_DOWN,
    },
    ("/api/ruc/lote", "post"): {
        "400": ["json_invalido", "parametro_invalido", "demasiados_rucs", "solicitud_invalida"], **KEY, **NOT_ALLOWED,
    },
    ("/api/dni/{dni}", "get"): {
        "400": ["dni_invalido", "parametro_invalido", "solicitud_invalida"],
        "404": ["dni_sin_ruc", "ruc_no_encontrado_en_padron", "ruta_no_encontrada"],
        **KEY, **NOT_ALLOWED, **SUNAT_DOWN,
    },
    ("/api/buscar", "get"): {
        "400": ["parametro_invalido", "solicitud_invalida"], **KEY, **NOT_ALLOWED, "503": ["busqueda_no_disponible"],
    },
    **{("/api/vigilancia/{ruc}", method): {
        "400": ["ruc_invalido", "solicitud_invalida"], **({"404": ["no_vigilado"]} if method != "put" else
                                                           {"409": ["limite_de_vigilancia"]}),
        **KEY, **NOT_ALLOWED,
    } for method in ("put", "delete", "get")},
    ("/api/vigilancia", "get"): {"400": ["parametro_invalido", "solicitud_invalida"], **KEY, **NOT_ALLOWED},
    ("/api/vigilancia/lote", "post"): {
        "400": ["json_invalido", "parametro_invalido", "lote_demasiado_grande", "solicitud_invalida"],
        "409": ["limite_de_vigilancia"], **KEY, **NOT_ALLOWED,
    },
    ("/api/cambios", "get"): {"400": ["parametro_invalido", "solicitud_invalida"], **KEY, **NOT_ALLOWED},
    ("/api/webhook", "put"): {"400": ["json_invalido", "parametro_invalido", "webhook_invalido", "solicitud_invalida"],
                              **KEY, **NOT_ALLOWED},
    **{("/api/webhook", method): {"400": ["solicitud_invalida"], "404": ["sin_webhook"], **KEY, **NOT_ALLOWED}
       for method in ("get", "delete")},
    ("/api/tipo-cambio", "get"): {
        "400": ["parametro_invalido", "fecha_futura", "solicitud_invalida"], **KEY, **NOT_ALLOWED,
        "503": ["sunat_no_disponible", "servicio_no_disponible"],
    },
    ("/api/comprobantes/validar", "post"): {
        "400": ["json_invalido", "parametro_invalido", "demasiados_comprobantes", "solicitud_invalida"],
        "422": ["cpe_rechazado"],
        "503": ["cpe_no_configurado", "cpe_credenciales_rechazadas", "sunat_no_disponible", "sunat_ocupado"],
        "504": ["sunat_timeout"], **KEY, **NOT_ALLOWED,
    },
    ("/health", "get"): NOT_ALLOWED,
    ("/health/live", "get"): NOT_ALLOWED,
    ("/health/ready", "get"): {"503": ["base_de_datos_no_disponible"], **NOT_ALLOWED},
    ("/metrics", "get"): {"403": ["acceso_denegado"], **NOT_ALLOWED},
    ("/api/schema", "get"): NOT_ALLOWED,
    ("/api/docs", "get"): NOT_ALLOWED,
    ("/api/docs/texto", "get"): NOT_ALLOWED,
}

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
CONFORMANCE = CHECKS[1:]  # for the documented 5xx: everything but "not a server error"

COMPANY = "20573215045"
PERSON_DNI = "12345678"


def document() -> dict:
    return copy.deepcopy(openapi.schema())  # Schemathesis may write into the dict it is given


def _resolve(item: dict) -> dict:
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = openapi.schema()["components"][section][name]
    return item


# --- The document -------------------------------------------------------------------------------

@pytest.mark.standalone
def test_schema_is_a_valid_openapi_document():
    loaded = schemathesis.openapi.from_dict(document())
    loaded.validate()  # against the OpenAPI 3.1 meta-schema
    assert openapi.schema()["openapi"] == "3.1.0"
    assert openapi.schema()["info"]["title"] == "Consulta RUC"
    assert len(list(loaded.get_all_operations())) == sum(len(item) for item in openapi.schema()["paths"].values())


@pytest.mark.standalone
def test_schema_lists_exactly_the_routes_of_the_api():
    patterns = {str(pattern.pattern) for pattern in urls.urlpatterns}
    assert patterns == {*ROUTES, SECTION_ROUTE}
    expected = {*ROUTES.values(), *(f"/api/ruc/{{ruc}}/{section}" for section in SECTIONS)}
    paths = openapi.schema()["paths"]
    assert set(paths) == expected
    for path, item in paths.items():
        assert set(item) == METHODS.get(path, {"get"}), path


@pytest.mark.standalone
def test_sunat_answer_has_the_parser_fields_in_order():
    schemas = openapi.schema()["components"]["schemas"]
    assert list(schemas["RespuestaSunat"]["properties"]) == [
        *FIELDS, "secciones", "estadoActualizadoEn", "agenteRetencion", "agentePercepcion", "agentePercepcionVentaInterna",
        "buenContribuyente", "registrosActualizadosEn", "fuente", "actualizadoEn"]
    # secciones: missing from answers stored before they listed it
    assert schemas["RespuestaSunat"]["required"] == [*FIELDS, "fuente", "actualizadoEn"]


@pytest.mark.standalone
def test_every_error_code_is_documented_under_its_status():
    assert set(ERROR_CODES) == {(path, method) for path, item in openapi.schema()["paths"].items() for method in item}
    for (path, method), statuses in ERROR_CODES.items():
        responses = openapi.schema()["paths"][path][method]["responses"]
        for status, codes in statuses.items():
            response = _resolve(responses[status])
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            examples = response["content"]["application/json"]["examples"]
            for code in codes:
                assert re.search(rf"\b{code}\b", response["description"]), (path, method, status, code)
                # /api/docs shows an example answer of each code, with what it means in Spanish.
                example = examples[code]["value"]
                assert example["error"] == code and example["detail"].endswith("."), (path, method, status, code)


# --- Served -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_schema_is_served_as_json(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == json.loads(json.dumps(openapi.schema()))
    call("/api/schema")  # conforms to its own description
    not_allowed = client.post("/api/schema")
    assert not_allowed.status_code == 405 and not_allowed["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_docs_page_is_html_and_shows_every_operation(client):
    response = client.get("/api/docs/texto")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    for path, item in openapi.schema()["paths"].items():
        for method in item:
            assert f"{method.upper()}</span> <span class=\"path\">{path}</span>" in html, (method, path)
    for name in openapi.schema()["components"]["schemas"]:
        assert f'id="esquema-{name}"' in html
    for code in ("ruc_invalido", "cuota_excedida", "sunat_timeout", "dni_sin_ruc", "busqueda_no_disponible"):
        assert code in html
    assert "Parámetros" in html and "Respuestas" in html
    # Self-contained: no script, nothing loaded from elsewhere.
    assert "<script" not in html and not re.search(r"""(src|href)=["']?(https?:)?//""", html)


@pytest.mark.django_db
def test_schema_and_docs_are_open_when_api_keys_are_required(client, settings):
    settings.API_KEYS_REQUIRED = True
    assert client.get(f"/api/ruc/{COMPANY}").status_code == 401  # the setting is in force
    assert client.get("/api/schema").status_code == 200
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/docs/texto").status_code == 200
    assert client.get("/api/schema/").status_code == 200


# --- What the API answers -----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)  # batch lookups run in threads
@SCHEMA.parametrize()
@hypothesis_settings(max_examples=25, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                            HealthCheck.filter_too_much])
def test_api_answers_as_described(case, api):
    case.call_and_validate(checks=CHECKS)


def call(path: str, method: str = "GET", checks=CHECKS, **case_data):
    """Call one documented operation through the WSGI app and check the answer against the schema."""
    case = SCHEMA[path][method].Case(**case_data)
    response = case.call()
    case.validate_response(response, checks=checks)
    return response


def header(response, name: str) -> str | None:
    """A header of a Schemathesis response (names lower-cased, values in lists)."""
    values = response.headers.get(name.lower())
    return values[0] if values else None


# Synthetic companies with every kind of sub-page content (anexos or none, debts, SI and NO, ...),
# the captured pages and a person: every section's real answers checked against its schema.
VARIED_RUCS = ["20573215045", "20550263948", "10401510465", *(make_ruc(f"20600{n:05d}") for n in range(12))]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ruc", VARIED_RUCS)
def test_every_section_and_the_complete_answer_conform_for_varied_rucs(api, ruc):
    complete = call("/api/ruc/{ruc}/completo", path_parameters={"ruc": ruc})
    assert complete.status_code == 200 and complete.json()["resumen"]["ok"] == len(SECTIONS)
    for section in SECTIONS:
        assert call(f"/api/ruc/{{ruc}}/{section}", path_parameters={"ruc": ruc}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_documented_failures_conform(api, settings):
    """The statuses the fuzzer does not reach: SUNAT down or slow, keys and quotas, wrong methods."""
    settings.SUNAT_MAX_ATTEMPTS = 1
    api.config.mode = "http503"
    down = call("/api/ruc/{ruc}", checks=CONFORMANCE, path_parameters={"ruc": COMPANY}, query={"fuente": "sunat"})
    assert down.status_code == 503 and down.json()["error"] == "sunat_no_disponible"
    section = call("/api/ruc/{ruc}/trabajadores", checks=CONFORMANCE, path_parameters={"ruc": COMPANY})
    assert section.status_code == 503

    settings.SUNAT_TIMEOUT = 0.2
    api.config.mode = "hang"
    slow = call("/api/dni/{dni}", checks=CONFORMANCE, path_parameters={"dni": PERSON_DNI}, query={"fuente": "sunat"})
    assert slow.status_code == 504 and slow.json()["error"] == "sunat_timeout"
    api.config.mode = "ok"

    lote = call("/api/ruc/lote", "POST", body={"rucs": [COMPANY, "x", "20000000001"]}, media_type="application/json")
    assert lote.json()["resumen"] == {"total": 3, "ok": 1, "error": 2, "pendiente": 0}

    _, plain = api_keys.create_key("openapi", per_minute=2, per_day=100)
    auth = {"Authorization": f"Bearer {plain}"}
    counted = call("/api/ruc/{ruc}", path_parameters={"ruc": COMPANY}, headers=auth)
    assert counted.status_code == 200 and header(counted, "X-RateLimit-Remaining-Minute") == "1"
    over = call("/api/ruc/lote", "POST", headers=auth, body={"rucs": [COMPANY, "20146806679"]},
                media_type="application/json")
    assert over.status_code == 429 and over.json()["error"] == "cuota_excedida"
    call("/api/buscar", headers=auth, query={"q": "VOLVO"})
    assert call("/api/buscar", headers=auth, query={"q": "VOLVO"}).status_code == 429
    invalid = call("/api/ruc/{ruc}", path_parameters={"ruc": COMPANY}, headers={"Authorization": "Bearer rk_x"})
    assert invalid.status_code == 401 and invalid.json()["error"] == "api_key_invalida"
    settings.API_KEYS_REQUIRED = True
    required = call("/api/ruc/{ruc}/representantes", path_parameters={"ruc": COMPANY})
    assert required.status_code == 401 and required.json()["error"] == "api_key_requerida"

    # GET on the batch path is the 405 that GET /api/ruc/{ruc} documents.
    settings.API_KEYS_REQUIRED = False
    not_allowed = call("/api/ruc/{ruc}", path_parameters={"ruc": "lote"})
    assert not_allowed.status_code == 405 and header(not_allowed, "Allow") == "POST"
