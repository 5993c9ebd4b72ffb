"""The getinfHis sub-page (información histórica): three tables told apart by their headers. The
replica's pages parse to the history it generated; hand-written pages cover what it does not
produce (tables in another order, headers ending with ":", entities, filler cells).
"""


import jsonschema_rs
import pytest

from devtools.replica import PERSON_RUC, ReplicaConfig, make_ruc, templates
from devtools.replica.subpages import historico
from sunat.upstream.parser import ParseError, page_forms
from sunat.upstream.parser.historico import SECTION, parse_historico
from tests.support.replica_pages import CATALOG, replica_page, served_sub_pages

pytestmark = pytest.mark.standalone

COMPANY_RUC = "20573215045"  # captured 2025 company page
PERSON_2021_RUC = "10401510465"
SYNTHETIC_RUCS = [make_ruc(f"20600{n:05d}") for n in range(40)]
NOTHING = {"razonesSociales": [], "condiciones": [], "domicilios": []}



def inf_his(ruc, config=None):
    return replica_page("getinfHis", ruc, config)


def expected(history):
    def day(value):
        return value and value.isoformat()

    return {
        "razonesSociales": [{"razonSocial": n.razon_social, "fechaBaja": day(n.fecha_baja)}
                            for n in history.razones_sociales],
        "condiciones": [{"condicion": c.condicion, "desde": day(c.desde), "hasta": day(c.hasta)}
                        for c in history.condiciones],
        "domicilios": [{"direccion": a.direccion, "fechaBaja": day(a.fecha_baja)} for a in history.domicilios],
    }


def validator():
    return jsonschema_rs.Draft202012Validator({**SECTION.value_schema, "components": {"schemas": SECTION.schemas}})


# -- the replica's pages -------------------------------------------------------------


@pytest.mark.parametrize("ruc", SYNTHETIC_RUCS)
def test_synthetic_companies_parse_to_the_history_the_replica_generated(ruc):
    parsed = parse_historico(inf_his(ruc))

    assert parsed == expected(historico.history(ruc))
    assert list(parsed) == ["razonesSociales", "condiciones", "domicilios"]
    validator().validate(parsed)


def test_synthetic_rucs_cover_full_partial_and_empty_histories_and_open_ends():
    histories = [historico.history(ruc) for ruc in SYNTHETIC_RUCS]
    conditions = [c for h in histories for c in h.condiciones]

    assert any(h == historico.History() for h in histories)
    assert any(h.razones_sociales and h.condiciones and h.domicilios for h in histories)
    assert any(h != historico.History() and not h.razones_sociales for h in histories)
    assert any(c.desde is None for c in conditions) and any(c.hasta is None for c in conditions)
    assert any(a.dashes for h in histories for a in h.domicilios)
    assert any("&" in n.razon_social for h in histories for n in h.razones_sociales)


@pytest.mark.parametrize("ruc", [PERSON_RUC, PERSON_2021_RUC], ids=["person-2026", "person-2021"])
def test_persons_get_three_tables_that_say_no_hay_informacion(ruc):
    html = inf_his(ruc)

    assert html.count('<table class="table">') == 3
    assert html.count(">No hay Informaci") == 3
    assert parse_historico(html) == NOTHING


def test_no_subpage_info_empties_every_table():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if historico.history(ruc).condiciones)

    assert parse_historico(inf_his(ruc, ReplicaConfig(no_subpage_info={ruc}))) == NOTHING
    assert parse_historico(inf_his(ruc))["condiciones"] != []


@pytest.mark.parametrize("ruc", [*SYNTHETIC_RUCS[:5], PERSON_RUC, COMPANY_RUC, PERSON_2021_RUC])
def test_every_result_page_shows_the_history_button(ruc):
    assert historico.PAGE.applies(ruc)
    assert CATALOG.offers(ruc, historico.PAGE)
    assert "forminfoHist" in page_forms(CATALOG.result_page(ruc, ReplicaConfig()))


def test_pages_fetched_from_a_running_replica_are_iso_8859_1():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if historico.history(ruc).razones_sociales)
    [response] = served_sub_pages(ruc, "PEÑA S.A.", ["getinfHis"])

    assert response.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
    assert b"\xc3" not in response.content
    assert b"Informaci\xf3n Hist\xf3rica de " + ruc.encode() + b" - PE\xd1A S.A.</h4>" in response.content
    assert parse_historico(response.text) == expected(historico.history(ruc))


# -- hand-written pages -----------------------------------------------------------------


def page(body):
    return f"<html><head><title>SUNAT - Consulta RUC</title></head><body>{body}</body></html>"


def table(headers, *rows):
    head = "".join(f"<th>{header}</th>" for header in headers)
    return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


# The tables in another order, headers with ":" and entities, columns swapped, "-" dates,
# dashes before an address, and the "No hay Información" row with and without fillers.
REORDERED = page(
    "<h4>INFORMACI&Oacute;N HIST&Oacute;RICA DE 20100070970 - X S.A.</h4>"
    + table(["Fecha de Baja:", "Direcci&oacute;n del Domicilio Fiscal:"],
            "<tr><td>05/03/2019</td><td>----AV. PER&Uacute; NRO. 12\n   LIMA - LIMA - BREÑA</td></tr>",
            "<tr><td>-</td><td>  JR. JUNÍN NRO. 3 CUSCO - CUSCO - CUSCO </td></tr>")
    + table(["Fecha Hasta:", "Condición del Contribuyente:", "Fecha Desde:"],
            "<tr><td>-</td><td>NO HABIDO</td><td>01/02/2020</td></tr>",
            "<tr><td>31/01/2020</td><td>HABIDO</td><td>-</td></tr>")
    + table(["Nombre o Raz&oacute;n Social:", "Fecha de Baja:"],
            "<tr><td>No hay Informaci&oacute;n</td><td>-</td></tr>")
)


def test_tables_are_told_apart_by_header_words_not_position():
    parsed = parse_historico(REORDERED)

    assert parsed == {
        "razonesSociales": [],
        "condiciones": [{"condicion": "NO HABIDO", "desde": "2020-02-01", "hasta": None},
                        {"condicion": "HABIDO", "desde": None, "hasta": "2020-01-31"}],
        "domicilios": [{"direccion": "AV. PERÚ NRO. 12 LIMA - LIMA - BREÑA", "fechaBaja": "2019-03-05"},
                       {"direccion": "JR. JUNÍN NRO. 3 CUSCO - CUSCO - CUSCO", "fechaBaja": None}],
    }
    validator().validate(parsed)


@pytest.mark.parametrize("row", [
    '<tr><td colspan="2">No hay Información</td></tr>',
    "<tr><td>NO HAY INFORMACI&Oacute;N</td><td></td></tr>",
    "<tr><td>-</td><td>No hay Información</td></tr>",
])
def test_no_hay_informacion_rows_in_any_shape_are_empty_tables(row):
    html = page(table(["Nombre o Razón Social", "Fecha de Baja"], row)
                + table(["Condición del Contribuyente", "Fecha Desde", "Fecha Hasta"],
                        "<tr><td>No hay Información</td><td>-</td><td>-</td></tr>")
                + table(["Dirección del Domicilio Fiscal", "Fecha de Baja"], row))

    assert parse_historico(html) == NOTHING


def test_a_past_name_is_kept_even_when_it_starts_like_a_message():
    html = page(table(["Nombre o Razón Social", "Fecha de Baja"], "<tr><td>NO HAY LÍMITES S.A.C.</td><td>-</td></tr>")
                + table(["Condición del Contribuyente", "Fecha Desde", "Fecha Hasta"])
                + table(["Dirección del Domicilio Fiscal", "Fecha de Baja"]))

    assert parse_historico(html)["razonesSociales"] == [{"razonSocial": "NO HAY LÍMITES S.A.C.", "fechaBaja": None}]


def test_a_page_missing_one_of_the_three_tables_is_refused():
    html = page(table(["Nombre o Razón Social", "Fecha de Baja"], "<tr><td>A S.A.</td><td>01/01/2001</td></tr>")
                + table(["Condición del Contribuyente", "Fecha Desde", "Fecha Hasta"]))

    with pytest.raises(ParseError, match="domicilios"):
        parse_historico(html)


def test_a_message_instead_of_the_tables_is_no_information():
    html = page("<h4>Informaci&oacute;n Hist&oacute;rica de 20100070970 - X S.A.</h4>"
                '<div class="panel panel-primary"><h5>No hay informaci&oacute;n hist&oacute;rica</h5></div>')

    assert parse_historico(html) == NOTHING


# -- pages that are not getinfHis pages ------------------------------------------------------


NOT_INF_HIS = {
    "empty": "",
    "error": templates.error_page(),
    "not-found": templates.invalid_ruc_page("20000000001"),
    "firewall": templates.rejected_page("4478215519923370123"),
    "result": CATALOG.result_page(SYNTHETIC_RUCS[0], ReplicaConfig()),
    "rep-leg": replica_page("getRepLeg", COMPANY_RUC),
    "cant-trab": replica_page("getCantTrab", PERSON_RUC),
    "loc-anex": replica_page("getLocAnex", next(r for r in SYNTHETIC_RUCS if r != SYNTHETIC_RUCS[3])),
    "loc-anex-error": replica_page("getLocAnex", PERSON_RUC),
    "deuda": replica_page("getInfoDC", PERSON_RUC),
    "omisiones": replica_page("getInfoOT", PERSON_RUC),
}


@pytest.mark.parametrize("html", NOT_INF_HIS.values(), ids=NOT_INF_HIS.keys())
def test_pages_that_are_not_inf_his_raise_parse_error(html):
    with pytest.raises(ParseError):
        parse_historico(html)


def test_value_schema_accepts_the_empty_value_and_refuses_other_shapes():
    validator().validate(SECTION.empty())
    assert not validator().is_valid([])
    assert not validator().is_valid({"razonesSociales": [], "condiciones": []})
    assert not validator().is_valid({**NOTHING, "condiciones": [{"condicion": "HABIDO", "desde": None}]})
    assert not validator().is_valid({**NOTHING, "domicilios": [{"direccion": "X", "fechaBaja": None, "extra": 1}]})
