"""The API answering from the imported padrón: /api/ruc/<ruc>?fuente=, /api/buscar, and its admin page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from devtools.replica.rucs import make_ruc
from sunat.exceptions import NotInPadron
from sunat.lookups import services
from sunat.models import PadronEntry, PadronVersion, RucRecord
from sunat.registers.importer import import_padron
from sunat.registers.queries import padron_answer
from tests.support.padron_files import (
    COMPANY,
    COMPANY_ROW,
    ENIE,
    ENIE_ROW,
    HANDMADE,
    PERSON,
    ROAD,
    write_rows,
    write_zip,
)

# The padrón is loaded by the importer (DDL, its own transactions): no test-wide transaction.
pytestmark = pytest.mark.django_db(transaction=True)

ON_POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only")

ABSENT = make_ruc("2070000000")  # valid, not in the padrón; the replica makes up a page for it
UNKNOWN = "20000000001"  # valid, and the replica says SUNAT does not know it
ANSWER_KEYS = ["ruc", "razonSocial", "estado", "condicion", "direccion", "ubigeo", "departamento", "provincia",
               "distrito", "domicilio", "fuente", "actualizadoEn"]
DOMICILIO_KEYS = ["tipoVia", "nombreVia", "codigoZona", "tipoZona", "numero", "interior", "lote", "departamento",
                  "manzana", "kilometro"]

# Names for the search tests: one exact target among look-alikes, and 25 to page through.
EXACT = make_ruc("2070000001")
SEARCH_ROWS = [
    [EXACT, "CONSTRUCTORA ANDINA S.A.C.", "ACTIVO", "HABIDO", "080101", *["-"] * 10],
    [make_ruc("2070000002"), "CONSTRUCTORA ANDINA DEL SUR S.A.C.", "ACTIVO", "HABIDO", "040101", *["-"] * 10],
    [make_ruc("2070000003"), "INVERSIONES Y CONSTRUCTORA ANDINA E.I.R.L.", "ACTIVO", "HABIDO", "-", *["-"] * 10],
    [make_ruc("2070000004"), "ANDINA CONSTRUCTORA Y SERVICIOS S.A.", "ACTIVO", "HABIDO", "-", *["-"] * 10],
    *[[make_ruc(f"20700001{n:02d}"), f"TRANSPORTES QUILLABAMBA {n:02d} S.A.C.", "ACTIVO", "HABIDO", "080901",
       *["-"] * 10] for n in range(1, 26)],
]
CONSTRUCTORAS = {row[0] for row in SEARCH_ROWS[:4]}
QUILLABAMBA = [row[0] for row in SEARCH_ROWS[4:]]


@pytest.fixture
def padron(tmp_path):
    """The handmade rows and the search rows imported, from a zip dated 2024-03-15 06:30 in Lima."""
    return import_padron(write_rows(tmp_path / "padron.zip", HANDMADE + SEARCH_ROWS))


def sunat_requests(replica) -> int:
    stats = replica.stats()
    return stats["queries"] + stats["form_page_gets"] + stats["alias_posts"]


# /api/ruc/<ruc> from the padrón ----------------------------------------------------

def test_ruc_only_in_the_padron_is_answered_from_it_without_asking_sunat(client, replica, padron):
    response = client.get(f"/api/ruc/{ENIE}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Cache"] == "HIT"
    assert response.json() == {
        "ruc": ENIE,
        "razonSocial": 'PEÑA & NUÑEZ "EL ÑANDÚ" E.I.R.L.',
        "estado": "ACTIVO",
        "condicion": "HABIDO",
        "direccion": "AV. JOSÉ PARDO NRO. 601 INT. 1603 URB. SAN ANDRÉS LIMA - LIMA - MIRAFLORES",
        "ubigeo": "150122",
        "departamento": "LIMA",
        "provincia": "LIMA",
        "distrito": "MIRAFLORES",
        "domicilio": {"tipoVia": "AV.", "nombreVia": "JOSÉ PARDO", "codigoZona": "URB.", "tipoZona": "SAN ANDRÉS",
                      "numero": "601", "interior": "1603", "lote": None, "departamento": None, "manzana": None,
                      "kilometro": None},
        "fuente": "padron",
        "actualizadoEn": "2024-03-15T11:30:00Z",
    }
    assert list(response.json()) == ANSWER_KEYS
    assert sunat_requests(replica) == 0
    assert not RucRecord.objects.exists()


def test_padron_answer_names_the_ubigeo_and_puts_the_address_in_sunat_order(client, replica, padron):
    company = client.get(f"/api/ruc/{COMPANY}").json()
    road = client.get(f"/api/ruc/{ROAD}").json()

    assert (company["departamento"], company["provincia"], company["distrito"]) == (
        "HUANUCO", "LEONCIO PRADO", "RUPA-RUPA")
    assert company["direccion"] == "JR. JOSE CRESPO Y CASTILLO NRO. 316 HUANUCO - LEONCIO PRADO - RUPA-RUPA"
    assert road["direccion"] == "CAR. CENTRAL NRO. 6.5 MZA. B4 LOTE. 12 KM. 6.5 LIMA - LIMA - ATE"
    assert road["domicilio"]["kilometro"] == "6.5" and road["domicilio"]["manzana"] == "B4"
    assert sunat_requests(replica) == 0


def test_padron_answer_without_ubigeo_or_address_has_nulls(client, replica, padron):
    person = client.get(f"/api/ruc/{PERSON}").json()

    assert person["razonSocial"] == "ÑAUPARI CASTAÑEDA MARÍA ELENA"
    assert (person["estado"], person["condicion"]) == ("BAJA DE OFICIO", "NO HABIDO")
    assert person["ubigeo"] is None and person["direccion"] is None
    assert person["departamento"] is person["provincia"] is person["distrito"] is None
    assert list(person["domicilio"]) == DOMICILIO_KEYS
    assert set(person["domicilio"].values()) == {None}  # "----" as codigoZona is empty too
    assert sunat_requests(replica) == 0


def test_padron_answer_is_the_same_through_the_service_and_the_api(client, replica, padron):
    assert client.get(f"/api/ruc/{ENIE}").json() == padron_answer(ENIE) == services.lookup_ruc(ENIE).data
    assert services.lookup_ruc(ENIE, source=services.PADRON).data == padron_answer(ENIE)
    assert sunat_requests(replica) == 0


def test_actualizado_en_follows_the_version_in_use(client, replica, padron, tmp_path):
    assert client.get(f"/api/ruc/{ENIE}").json()["actualizadoEn"] == "2024-03-15T11:30:00Z"
    text = write_rows(tmp_path / "next.txt", [ENIE_ROW]).read_bytes()

    import_padron(write_zip(tmp_path / "next.zip", {"padron.txt": text}, date_time=(2024, 4, 1, 20, 0, 0)))

    assert client.get(f"/api/ruc/{ENIE}").json()["actualizadoEn"] == "2024-04-02T01:00:00Z"


def test_fuente_sunat_asks_sunat_even_when_the_padron_has_the_ruc(client, replica, padron):
    from_padron = client.get(f"/api/ruc/{COMPANY}").json()
    assert from_padron["fuente"] == "padron" and from_padron["razonSocial"] == COMPANY_ROW[1]
    assert sunat_requests(replica) == 0

    response = client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})

    assert response.status_code == 200 and response["X-Cache"] == "MISS"
    data = response.json()
    assert data["fuente"] == "sunat" and data["razonSocial"] == "LEAD WORKING PARTNER SAC"
    assert data["fechaInscripcion"] == "2014-02-05"
    assert replica.stats()["by_ruc"] == {COMPANY: 1}
    # From now on the fuller SUNAT answer is the one served, from the cache.
    again = client.get(f"/api/ruc/{COMPANY}")
    assert again["X-Cache"] == "HIT" and again.json() == data
    assert replica.stats()["queries"] == 1


def test_stored_sunat_answer_comes_before_the_padron(client, replica, padron):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})
    cache.clear()

    data = client.get(f"/api/ruc/{COMPANY}").json()

    assert data["fuente"] == "sunat" and data["razonSocial"] == "LEAD WORKING PARTNER SAC"
    assert replica.stats()["queries"] == 1


def test_fuente_padron_answers_from_the_padron_even_when_sunat_data_is_stored(client, replica, padron):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})

    response = client.get(f"/api/ruc/{COMPANY}", {"fuente": "padron"})

    assert response.status_code == 200
    assert response.json() == padron_answer(COMPANY)
    assert response.json()["razonSocial"] == COMPANY_ROW[1]
    assert replica.stats()["queries"] == 1


@pytest.mark.parametrize("ruc", [ABSENT, UNKNOWN])
def test_fuente_padron_for_a_ruc_not_in_the_padron_is_404(client, replica, padron, ruc):
    response = client.get(f"/api/ruc/{ruc}", {"fuente": "padron"})

    assert response.status_code == 404
    assert response.json() == {
        "error": "ruc_no_encontrado_en_padron",
        "detail": "El padrón reducido importado no tiene este RUC.",
        "ruc": ruc,
    }
    assert sunat_requests(replica) == 0


def test_fuente_padron_raises_not_in_padron_from_the_service(padron):
    with pytest.raises(NotInPadron):
        services.lookup_ruc(ABSENT, source=services.PADRON)


def test_fuente_padron_with_no_padron_imported_is_404(client, replica):
    response = client.get(f"/api/ruc/{ENIE}", {"fuente": "padron"})

    assert response.status_code == 404 and response.json()["error"] == "ruc_no_encontrado_en_padron"
    assert sunat_requests(replica) == 0


@pytest.mark.parametrize("value", ["sunatt", "ambos", "1", "padrón", " sunat"])
def test_invalid_fuente_is_400(client, replica, padron, value):
    response = client.get(f"/api/ruc/{ENIE}", {"fuente": value})

    assert response.status_code == 400
    assert response.json()["error"] == "parametro_invalido" and "fuente" in response.json()["detail"]
    assert sunat_requests(replica) == 0


@pytest.mark.parametrize("value, fuente", [("", "padron"), ("PADRON", "padron"), ("Sunat", "sunat")])
def test_fuente_is_case_insensitive_and_may_be_empty(client, replica, padron, value, fuente):
    assert client.get(f"/api/ruc/{COMPANY}", {"fuente": value}).json()["fuente"] == fuente


def test_invalid_ruc_with_fuente_padron_is_400(client, replica, padron):
    response = client.get("/api/ruc/20600000006", {"fuente": "padron"})

    assert response.status_code == 400 and response.json()["error"] == "ruc_invalido"


def test_ruc_absent_from_the_padron_falls_through_to_sunat(client, replica, padron):
    response = client.get(f"/api/ruc/{ABSENT}")

    assert response.status_code == 200 and response["X-Cache"] == "MISS"
    assert response.json()["fuente"] == "sunat" and response.json()["ruc"] == ABSENT
    assert replica.stats()["by_ruc"] == {ABSENT: 1}


def test_ruc_unknown_to_padron_and_sunat_is_404_from_sunat(client, replica, padron):
    response = client.get(f"/api/ruc/{UNKNOWN}")

    assert response.status_code == 404 and response.json()["error"] == "ruc_no_encontrado"
    assert replica.stats()["by_ruc"] == {UNKNOWN: 1}


def test_fresh_lookup_skips_the_padron(client, replica, padron):
    data = client.get(f"/api/ruc/{COMPANY}", {"fresh": "1"}).json()

    assert data["fuente"] == "sunat"
    assert replica.stats()["by_ruc"] == {COMPANY: 1}


def test_lookup_with_nothing_imported_asks_sunat(client, replica):
    assert client.get(f"/api/ruc/{COMPANY}").json()["fuente"] == "sunat"
    assert replica.stats()["queries"] == 1


# /api/buscar --------------------------------------------------------------------

def search(client, q, **params):
    response = client.get("/api/buscar", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_search_finds_by_a_word_of_the_name(client, replica, padron):
    data = search(client, "constructora")

    assert {hit["ruc"] for hit in data["resultados"]} >= CONSTRUCTORAS
    assert (data["q"], data["pagina"], data["porPagina"], data["hayMas"]) == ("constructora", 1, 20, False)
    assert list(data) == ["q", "pagina", "porPagina", "hayMas", "resultados"]
    assert sunat_requests(replica) == 0


def test_search_with_accents_and_enie(client, padron):
    assert ENIE in {hit["ruc"] for hit in search(client, "ñandú")["resultados"]}
    assert PERSON in {hit["ruc"] for hit in search(client, "Ñaupari Castañeda")["resultados"]}


def test_search_hits_are_the_padron_answers(client, padron):
    hits = search(client, "andina")["resultados"] + search(client, "ñandú")["resultados"]

    assert hits
    for hit in hits:
        assert list(hit) == ANSWER_KEYS
        assert hit == padron_answer(hit["ruc"])


def test_search_pages_do_not_overlap(client, padron):
    first = search(client, "quillabamba", por_pagina="10")
    second = search(client, "quillabamba", por_pagina="10", pagina="2")
    third = search(client, "quillabamba", por_pagina="10", pagina="3")

    pages = [[hit["ruc"] for hit in page["resultados"]] for page in (first, second, third)]
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [page["hayMas"] for page in (first, second, third)] == [True, True, False]
    assert (second["pagina"], second["porPagina"]) == (2, 10)
    assert sorted(pages[0] + pages[1] + pages[2]) == sorted(QUILLABAMBA)
    assert search(client, "quillabamba", por_pagina="10", pagina="4") == {
        "q": "quillabamba", "pagina": 4, "porPagina": 10, "hayMas": False, "resultados": []}


def test_search_page_size_of_exactly_all_hits_has_no_more(client, padron):
    data = search(client, "quillabamba", por_pagina="25")

    assert len(data["resultados"]) == 25 and data["hayMas"] is False


def test_exact_name_ranks_first(client, padron):
    data = search(client, "  constructora   andina s.a.c. ")

    assert data["resultados"][0]["ruc"] == EXACT
    assert data["resultados"][0]["razonSocial"] == "CONSTRUCTORA ANDINA S.A.C."


def test_search_without_hits_is_empty(client, padron):
    assert search(client, "zzzqqqxxx") == {"q": "zzzqqqxxx", "pagina": 1, "porPagina": 20, "hayMas": False,
                                          "resultados": []}


@pytest.mark.parametrize("q", ["%%%", "___", "% _", "\\\\\\"])
def test_search_wildcards_are_plain_characters(client, padron, q):
    assert search(client, q)["resultados"] == []


def test_search_of_the_longest_query_is_allowed(client, padron):
    assert search(client, "A" * 200)["resultados"] == []


@postgres_only
def test_search_tolerates_a_typo(client, padron):
    found = {hit["ruc"] for hit in search(client, "CONSTRUCTRA")["resultados"]}

    assert found >= CONSTRUCTORAS


@postgres_only
def test_search_ranks_closer_names_first(client, padron):
    rucs = [hit["ruc"] for hit in search(client, "CONSTRUCTORA ANDINA")["resultados"]]

    assert set(rucs[:2]) == {EXACT, make_ruc("2070000002")}  # the names that start with the words asked
    assert set(rucs) >= CONSTRUCTORAS


BAD_SEARCHES = {
    "no-q": {},
    "q-empty": {"q": ""},
    "q-of-2": {"q": "ab"},
    "q-of-2-padded": {"q": "  ab   "},
    "q-of-201": {"q": "A" * 201},
    "q-with-nul": {"q": "VOL\x00VO"},  # PostgreSQL refuses NUL in text: a 503 once
    "q-with-control-character": {"q": "VOL\x1bVO"},
    "pagina-0": {"q": "andina", "pagina": "0"},
    "pagina-101": {"q": "andina", "pagina": "101"},
    "pagina-negative": {"q": "andina", "pagina": "-1"},
    "pagina-text": {"q": "andina", "pagina": "dos"},
    "pagina-empty": {"q": "andina", "pagina": ""},
    "pagina-superscript": {"q": "andina", "pagina": "²"},
    "por-pagina-0": {"q": "andina", "por_pagina": "0"},
    "por-pagina-101": {"q": "andina", "por_pagina": "101"},
    "por-pagina-decimal": {"q": "andina", "por_pagina": "1.5"},
    "por-pagina-huge": {"q": "andina", "por_pagina": "9" * 40},
    # Past the first PADRON_SEARCH_MAX_RESULTS (1000) hits: a deep OFFSET costs the whole result.
    "past-the-first-1000": {"q": "andina", "pagina": "100", "por_pagina": "100"},
    "page-51-of-20": {"q": "andina", "pagina": "51"},
    # Only legal forms and common words: most of the register would match.
    "only-a-legal-form": {"q": "S.A.C."},
    "only-legal-forms": {"q": "sociedad anónima cerrada"},
    "only-common-words": {"q": "E.I.R.L. de la"},
}


@pytest.mark.parametrize("params", BAD_SEARCHES.values(), ids=BAD_SEARCHES.keys())
def test_bad_search_parameters_are_400_json(client, padron, params):
    response = client.get("/api/buscar", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["error"] == "parametro_invalido" and body["detail"]


@pytest.mark.parametrize("params", [{"pagina": "50"}, {"por_pagina": "100"}, {"pagina": "10", "por_pagina": "100"},
                                    {"pagina": "100", "por_pagina": "10"}, {"pagina": "1", "por_pagina": "1"}])
def test_search_limits_are_inclusive(client, padron, params):
    data = search(client, "andina", **params)

    assert data["pagina"] == int(params.get("pagina", 1)) and data["porPagina"] == int(params.get("por_pagina", 20))


def test_a_legal_form_with_a_name_is_searched(client, padron):
    assert EXACT in {hit["ruc"] for hit in search(client, "andina s.a.c.")["resultados"]}


def test_the_search_limit_says_how_far_pages_reach(client, padron):
    body = client.get("/api/buscar", {"q": "andina", "pagina": "11", "por_pagina": "100"}).json()

    assert "1000" in body["detail"]


def test_a_search_past_the_process_slots_is_503_json(client, padron, settings):
    from sunat.registers import search as padron_search

    settings.PADRON_SEARCH_CONCURRENCY = 1
    settings.PADRON_SEARCH_TIMEOUT = 0.2
    slots = padron_search._slots()
    assert slots.acquire(timeout=1)  # another request's search, still running
    try:
        response = client.get("/api/buscar", {"q": "andina"})
    finally:
        slots.release()

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["error"] == "busqueda_no_disponible"
    assert search(client, "andina")["resultados"]  # the slot free again: answered


@postgres_only
def test_a_search_past_the_statement_timeout_is_503_json(client, padron, settings):
    """A search waiting on the table (here: an import's lock) is cancelled by PostgreSQL at
    PADRON_SEARCH_TIMEOUT and answered 503, and the connection keeps no timeout afterwards."""
    import psycopg

    settings.PADRON_SEARCH_TIMEOUT = 0.3
    params = connection.get_connection_params()
    with psycopg.connect(**params) as holder:
        holder.execute(f"LOCK TABLE {PadronEntry._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        response = client.get("/api/buscar", {"q": "andina"})
        holder.rollback()

    assert response.status_code == 503 and response.json()["error"] == "busqueda_no_disponible"
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    assert search(client, "andina")["resultados"]


def test_search_only_answers_get(client, padron):
    response = client.post("/api/buscar?q=andina")

    assert response.status_code == 405 and response.json()["error"] == "metodo_no_permitido"


def test_search_path_with_trailing_slash(client, padron):
    assert client.get("/api/buscar/", {"q": "andina"}).status_code == 200


# Admin: the imports -----------------------------------------------------------------

CHANGELIST = reverse("admin:sunat_padronversion_changelist")


def test_admin_lists_the_imports_and_which_one_is_in_use(admin_client, tmp_path, padron):
    latest = import_padron(write_rows(tmp_path / "latest.txt", [ENIE_ROW]))

    response = admin_client.get(CHANGELIST)

    content = response.content.decode()
    assert response.status_code == 200
    assert str(tmp_path / "padron.zip") in content and str(tmp_path / "latest.txt") in content
    assert "En uso" in content
    assert content.count("icon-yes.svg") == 1 and content.count("icon-no.svg") == 1
    assert content.index("latest.txt") < content.index("padron.zip")  # newest first
    assert PadronVersion.objects.latest() == latest


def test_admin_imports_are_read_only(admin_client, padron):
    assert admin_client.get(reverse("admin:sunat_padronversion_add")).status_code == 403
    detail = admin_client.get(reverse("admin:sunat_padronversion_change", args=[padron.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()


def test_admin_changelist_needs_a_login(client, padron):
    response = client.get(CHANGELIST)

    assert response.status_code == 302 and "/login/" in response["Location"]
