"""The getLocAnex sub-page (establecimientos anexos), and SUNAT's error page as "no information"
(getLocAnex, getRepLeg): the replica's pages parse to the data it generated, the button shows
exactly for RUCs with annexes, and hand-written pages cover what the replica does not produce.
"""


import jsonschema_rs
import pytest

from devtools.replica import PERSON_RUC, ReplicaConfig, make_ruc, templates
from devtools.replica.subpages import establecimientos, historico, representantes
from sunat.upstream.parser import PageKind, ParseError, classify_page, error_message, page_forms, parse_representantes
from sunat.upstream.parser.establecimientos import SECTION, parse_establecimientos
from tests.support.replica_pages import CATALOG, replica_page, served_sub_pages

pytestmark = pytest.mark.standalone

COMPANY_2025_RUC = "20573215045"  # captured without the Establecimiento(s) Anexo(s) button
COMPANY_2021_RUC = "20550263948"  # captured with all ten buttons
PERSON_2021_RUC = "10401510465"
SYNTHETIC_RUCS = [make_ruc(f"20600{n:05d}") for n in range(40)]
NO_LOCALES = "No se encontró información para locales anexos."
NO_REPRESENTANTES = "No se encontro información para representantes legales."  # sic, as a client wrote it



def loc_anex(ruc, config=None):
    return replica_page("getLocAnex", ruc, config)


def expected(shown):
    def address(est):
        if est.district is None:
            return {"ubigeo": None, "departamento": None, "provincia": None, "distrito": None}
        departamento, provincia, distrito, ubigeo = est.district
        return {"ubigeo": ubigeo, "departamento": departamento, "provincia": provincia, "distrito": distrito}

    return [{"codigo": est.codigo, "tipo": est.tipo, "direccion": est.direccion, **address(est),
             "actividadEconomica": est.actividad} for est in shown]


def validator():
    return jsonschema_rs.Draft202012Validator({**SECTION.value_schema, "components": {"schemas": SECTION.schemas}})


# -- the replica's pages -------------------------------------------------------------


@pytest.mark.parametrize("ruc", SYNTHETIC_RUCS)
def test_synthetic_companies_parse_to_the_annexes_the_replica_generated(ruc):
    parsed = parse_establecimientos(loc_anex(ruc))

    assert parsed == expected(establecimientos.establishments(ruc))
    assert len(parsed) == establecimientos.anexo_count(ruc) <= 5
    validator().validate(parsed)


def test_synthetic_rucs_cover_no_annexes_several_annexes_and_addresses_without_ubigeo():
    shown = [establecimientos.establishments(ruc) for ruc in SYNTHETIC_RUCS]
    rows = [est for annexes in shown for est in annexes]

    assert {len(annexes) for annexes in shown} == {0, 1, 2, 3, 4, 5}
    assert any(est.district is None for est in rows) and any(est.actividad is None for est in rows)
    assert any(est.district and est.district[0] == "PROV. CONST. DEL CALLAO" for est in rows)
    assert list(parse_establecimientos(loc_anex(SYNTHETIC_RUCS[0]))[0]) == [
        "codigo", "tipo", "direccion", "ubigeo", "departamento", "provincia", "distrito", "actividadEconomica",
    ]


@pytest.mark.parametrize("ruc", SYNTHETIC_RUCS)
def test_synthetic_result_page_shows_the_button_exactly_when_the_ruc_has_annexes(ruc):
    has_annexes = establecimientos.anexo_count(ruc) > 0
    forms = page_forms(CATALOG.result_page(ruc, ReplicaConfig()))

    assert establecimientos.PAGE.applies(ruc) is has_annexes
    assert CATALOG.offers(ruc, establecimientos.PAGE) is has_annexes
    assert ("formLocAnex" in forms) is has_annexes
    assert "forminfoHist" in forms  # the history button is always there


def test_a_ruc_without_annexes_gets_sunats_error_page_read_as_no_information():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if establecimientos.anexo_count(ruc) == 0)
    html = loc_anex(ruc)

    assert classify_page(html) is PageKind.ERROR
    assert error_message(html) == NO_LOCALES
    assert parse_establecimientos(html) == []


@pytest.mark.parametrize("ruc", [PERSON_RUC, PERSON_2021_RUC], ids=["person-2026", "person-2021"])
def test_persons_have_no_button_and_get_the_error_page(ruc):
    assert "formLocAnex" not in page_forms(CATALOG.result_page(ruc, ReplicaConfig()))
    assert not CATALOG.offers(ruc, establecimientos.PAGE)
    assert error_message(loc_anex(ruc)) == NO_LOCALES
    assert parse_establecimientos(loc_anex(ruc)) == []


def test_captured_pages_decide_the_button_and_a_button_means_annexes():
    assert not CATALOG.offers(COMPANY_2025_RUC, establecimientos.PAGE)
    assert parse_establecimientos(loc_anex(COMPANY_2025_RUC)) == []
    assert CATALOG.offers(COMPANY_2021_RUC, establecimientos.PAGE)
    assert len(parse_establecimientos(loc_anex(COMPANY_2021_RUC))) >= 1


def test_no_subpage_info_gives_a_company_with_annexes_the_error_page():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if establecimientos.anexo_count(ruc) > 0)
    config = ReplicaConfig(no_subpage_info={ruc})

    assert error_message(loc_anex(ruc, config)) == NO_LOCALES
    assert parse_establecimientos(loc_anex(ruc, config)) == []
    assert parse_establecimientos(loc_anex(ruc)) != []


def test_pages_fetched_from_a_running_replica_are_iso_8859_1():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if establecimientos.anexo_count(ruc) >= 3)
    without = next(ruc for ruc in SYNTHETIC_RUCS if establecimientos.anexo_count(ruc) == 0)
    [table] = served_sub_pages(ruc, "EMPRESA ÑANDÚ S.A.", ["getLocAnex"])
    [error] = served_sub_pages(without, "EMPRESA ÑANDÚ S.A.", ["getLocAnex"])

    assert table.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
    assert b"\xc3" not in table.content and b"Direcci\xf3n" in table.content  # ó as one Latin-1 byte
    assert b"- EMPRESA \xd1AND\xda S.A.</h4>" in table.content
    assert parse_establecimientos(table.text) == expected(establecimientos.establishments(ruc))
    assert b"No se encontr\xf3 informaci\xf3n para locales anexos." in error.content
    assert parse_establecimientos(error.text) == []


# -- hand-written pages -----------------------------------------------------------------


def page(body):
    return f"<html><head><title>SUNAT - Consulta RUC</title></head><body>{body}</body></html>"


# Columns reordered, an extra column, headers ending with ":" in a td row, entities next to
# literal Latin-1, ragged whitespace, "-" cells and a message row.
REORDERED = page(
    '<div class="list-group-item"><table class="table">'
    "<tr><td>Actividad Econ&oacute;mica:</td><td>Direcci&Oacute;n:</td><td>Estado</td><td>Tipo:</td>"
    "<td>CÓDIGO:</td></tr>"
    "<tr><td>ALMACENAMIENTO Y DEP&Oacute;SITO</td>"
    "<td>  CAL. LOS &Ntilde;AND&Uacute;ES NRO. 12\n      LIMA  -  LIMA  -  BREÑA </td>"
    "<td>ACTIVO</td><td>DEPÓSITO</td><td> 0003 </td></tr>"
    "<tr><td>-</td><td>CAR. PANAMERICANA NORTE KM. 512</td><td></td><td>OTROS</td><td>0007</td></tr>"
    '<tr><td colspan="5">Fin de la relaci&oacute;n</td></tr>'
    "</table></div>"
)


def test_columns_are_found_by_header_words_and_addresses_split_as_the_ficha():
    assert parse_establecimientos(REORDERED) == [
        {"codigo": "0003", "tipo": "DEPÓSITO", "direccion": "CAL. LOS ÑANDÚES NRO. 12 LIMA - LIMA - BREÑA",
         "ubigeo": "150105", "departamento": "LIMA", "provincia": "LIMA", "distrito": "BREÑA",
         "actividadEconomica": "ALMACENAMIENTO Y DEPÓSITO"},
        {"codigo": "0007", "tipo": "OTROS", "direccion": "CAR. PANAMERICANA NORTE KM. 512", "ubigeo": None,
         "departamento": None, "provincia": None, "distrito": None, "actividadEconomica": None},
    ]
    validator().validate(parse_establecimientos(REORDERED))


def test_error_page_variant_with_an_entity_is_no_information_too():
    assert parse_establecimientos(templates.error_page("No se encontr&oacute; informaci&oacute;n para locales anexos.")) == []


def test_table_with_headers_and_only_a_message_row_is_no_information():
    html = page(
        '<table class="table"><tr><th>Código</th><th>Tipo de Establecimiento</th><th>Dirección</th>'
        '<th>Actividad Económica</th></tr><tr><td colspan="4">No existe informaci&oacute;n</td></tr></table>'
    )

    assert parse_establecimientos(html) == []


# -- the error-page variant of getRepLeg ------------------------------------------------------


def test_representatives_accept_sunats_error_page_as_no_information_and_still_the_h5():
    assert parse_representantes(templates.error_page(NO_REPRESENTANTES)) == []
    assert parse_representantes(templates.error_page("No se encontr&oacute; informaci&oacute;n para "
                                                     "representantes legales.")) == []
    assert parse_representantes(replica_page("getRepLeg", PERSON_RUC)) == []  # the replica's h5 variant
    assert parse_representantes(representantes.page("20100070970", "X S.A.", [])) == []


def test_each_error_page_is_no_information_only_for_its_own_sub_page():
    with pytest.raises(ParseError, match="error"):
        parse_representantes(templates.error_page(NO_LOCALES))
    with pytest.raises(ParseError, match="error"):
        parse_establecimientos(templates.error_page(NO_REPRESENTANTES))


# -- pages that are not getLocAnex pages ------------------------------------------------------


NOT_LOC_ANEX = {
    "empty": "",
    "error": templates.error_page(),
    "other-error": templates.error_page("No se encontró información para el contribuyente."),
    "not-found": templates.invalid_ruc_page("20000000001"),
    "firewall": templates.rejected_page("4478215519923370123"),
    "result": CATALOG.result_page(SYNTHETIC_RUCS[0], ReplicaConfig()),
    "rep-leg": replica_page("getRepLeg", COMPANY_2025_RUC),
    "historico": historico.page(COMPANY_2025_RUC, "X", historico.History()),
    "historico-with-addresses": replica_page("getinfHis", SYNTHETIC_RUCS[3]),
    "message-without-subject": page('<div class="panel panel-primary"><h5>No existe informaci&oacute;n</h5></div>'),
}


@pytest.mark.parametrize("html", NOT_LOC_ANEX.values(), ids=NOT_LOC_ANEX.keys())
def test_pages_that_are_not_loc_anex_raise_parse_error(html):
    with pytest.raises(ParseError):
        parse_establecimientos(html)


def test_value_schema_accepts_the_empty_value_and_refuses_other_shapes():
    item = parse_establecimientos(REORDERED)[0]

    validator().validate(SECTION.empty())
    assert not validator().is_valid([{**item, "extra": 1}])
    assert not validator().is_valid([{**item, "ubigeo": "15010"}])
    assert not validator().is_valid({"establecimientos": []})
