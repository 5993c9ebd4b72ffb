"""The getInfoDC (deuda coactiva) and getInfoOT (omisiones tributarias) sub-pages: the replica's
pages parse to the data it generated, their "no information" variants are [], and hand-written
pages cover what the replica does not produce (reordered columns, amounts in other formats).
"""


import jsonschema_rs
import pytest

from devtools.replica import PERSON_RUC, ReplicaConfig, make_ruc, templates
from devtools.replica.subpages import deuda_coactiva, omisiones
from sunat.upstream.parser import ParseError, page_forms
from sunat.upstream.parser.deuda_coactiva import SECTION as DEUDA
from sunat.upstream.parser.deuda_coactiva import parse_amount, parse_deuda_coactiva
from sunat.upstream.parser.omisiones import SECTION as OMISIONES
from sunat.upstream.parser.omisiones import parse_omisiones
from tests.support.replica_pages import CATALOG, replica_page, served_sub_pages

pytestmark = pytest.mark.standalone

COMPANY_RUC = "20573215045"  # captured 2025 company page
PERSON_2021_RUC = "10401510465"
SYNTHETIC_RUCS = [make_ruc(f"20600{n:05d}") for n in range(40)]



def info_dc(ruc, config=None):
    return replica_page("getInfoDC", ruc, config)


def info_ot(ruc, config=None):
    return replica_page("getInfoOT", ruc, config)


def expected_debts(ruc):
    return [{"monto": d.monto, "periodoTributario": d.periodo, "fechaInicioCobranza": d.fecha_inicio.isoformat(),
             "entidad": d.entidad} for d in deuda_coactiva.debts(ruc)]


def expected_omissions(ruc):
    return [{"periodo": o.periodo, "tributo": o.tributo, "tipoDeclaracion": o.tipo_declaracion,
             "fechaVencimiento": o.fecha_vencimiento.isoformat()} for o in omisiones.omissions(ruc)]


def validator(section):
    return jsonschema_rs.Draft202012Validator({**section.value_schema, "components": {"schemas": section.schemas}})


# -- the replica's pages -------------------------------------------------------------


@pytest.mark.parametrize("ruc", SYNTHETIC_RUCS)
def test_synthetic_companies_parse_to_the_data_the_replica_generated(ruc):
    debts, omissions = parse_deuda_coactiva(info_dc(ruc)), parse_omisiones(info_ot(ruc))

    assert debts == expected_debts(ruc) and len(debts) <= 4
    assert omissions == expected_omissions(ruc) and len(omissions) <= 3
    validator(DEUDA).validate(debts)
    validator(OMISIONES).validate(omissions)


def test_most_synthetic_rucs_have_no_debt_and_some_have_debts_in_both_amount_formats():
    with_debt = [ruc for ruc in SYNTHETIC_RUCS if deuda_coactiva.debts(ruc)]

    assert 0 < len(with_debt) < len(SYNTHETIC_RUCS) / 2
    assert {deuda_coactiva.shows_currency(ruc) for ruc in with_debt} == {True, False}
    assert {len(deuda_coactiva.debts(ruc)) for ruc in with_debt} >= {1, 4}
    assert any("S/ " in info_dc(ruc) and "," in parse_page_amounts(ruc) for ruc in with_debt)
    assert 0 < sum(bool(omisiones.omissions(ruc)) for ruc in SYNTHETIC_RUCS) < len(SYNTHETIC_RUCS) / 3


def parse_page_amounts(ruc):
    """The amount cells of a replica page, as shown."""
    rows = info_dc(ruc).split("<tbody>")[1].split("<tr>")[1:]
    return " ".join(row.split("<td>")[1].split("</td>")[0].strip() for row in rows)


@pytest.mark.parametrize("ruc", [PERSON_RUC, PERSON_2021_RUC], ids=["person-2026", "person-2021"])
def test_persons_get_the_no_information_variants(ruc):
    assert deuda_coactiva.NO_INFORMATION in info_dc(ruc) and "<table" not in info_dc(ruc)
    assert f'<h5 class="text-center">{omisiones.NO_INFORMATION}</h5>' in info_ot(ruc)
    assert parse_deuda_coactiva(info_dc(ruc)) == []
    assert parse_omisiones(info_ot(ruc)) == []


def test_no_subpage_info_gives_a_company_with_data_the_no_information_variants():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if deuda_coactiva.debts(ruc) and omisiones.omissions(ruc))
    config = ReplicaConfig(no_subpage_info={ruc})

    assert parse_deuda_coactiva(info_dc(ruc, config)) == [] != parse_deuda_coactiva(info_dc(ruc))
    assert parse_omisiones(info_ot(ruc, config)) == [] != parse_omisiones(info_ot(ruc))


def test_the_guessed_omissions_table_says_it_is_a_guess():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if omisiones.omissions(ruc))

    assert "replica: GUESS." in info_ot(ruc)


@pytest.mark.parametrize("ruc", [*SYNTHETIC_RUCS[:5], PERSON_RUC, COMPANY_RUC, PERSON_2021_RUC])
def test_every_result_page_shows_both_buttons(ruc):
    forms = page_forms(CATALOG.result_page(ruc, ReplicaConfig()))

    for sub_page in (deuda_coactiva.PAGE, omisiones.PAGE):
        assert sub_page.applies(ruc) and CATALOG.offers(ruc, sub_page)
        assert sub_page.form in forms


def test_pages_fetched_from_a_running_replica_are_iso_8859_1():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if deuda_coactiva.debts(ruc) and omisiones.omissions(ruc))
    dc, ot = served_sub_pages(ruc, "MUÑOZ E.I.R.L.", ("getInfoDC", "getInfoOT"))

    for response in (dc, ot):
        assert response.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
        assert b"\xc3" not in response.content and b" - MU\xd1OZ E.I.R.L.</h4>" in response.content
    assert parse_deuda_coactiva(dc.text) == expected_debts(ruc)
    assert parse_omisiones(ot.text) == expected_omissions(ruc)


# -- hand-written pages -----------------------------------------------------------------


def page(body):
    return f"<html><head><title>SUNAT - Consulta RUC</title></head><body>{body}</body></html>"


# Columns reordered, headers ending with ":" in a td row, entities next to literal Latin-1,
# amounts with and without "S/", an unreadable amount and date, a message row.
REORDERED_DC = page(
    '<div class="panel panel-primary"><div class="table-responsive"><table class="table">'
    "<tr><td>Entidad Asociada a la Deuda:</td><td>Fecha de Inicio de Cobranza Coactiva:</td>"
    "<td>PER&Iacute;ODO TRIBUTARIO:</td><td>Monto de la Deuda:</td></tr>"
    "<tr><td>ONP - OFICINA DE NORMALIZACI&Oacute;N PREVISIONAL</td><td>05/03/2019</td><td>201812</td>"
    "<td>  S/ 1,234.56 </td></tr>"
    "<tr><td>ESSALUD</td><td>-</td><td>13/2020</td><td>S/. 12500</td></tr>"
    "<tr><td>SUNAT - TRIBUTOS INTERNOS</td><td>31/02/2020</td><td>-</td><td>mucho</td></tr>"
    '<tr><td colspan="4">Total de la deuda</td></tr>'
    "</table></div></div>"
)

REORDERED_OT = page(
    '<div class="panel panel-primary"><table class="table"><thead><tr>'
    "<th>Fecha de Vencimiento:</th><th>Estado</th><th>Tipo de Declaraci&oacute;n:</th><th>Tributo:</th>"
    "<th>Per&iacute;odo:</th></tr></thead><tbody>"
    "<tr><td>19/04/2024</td><td>PENDIENTE</td><td>PDT 621</td><td>IGV - CUENTA PROPIA</td><td> 03/2024 </td></tr>"
    "<tr><td>-</td><td></td><td>-</td><td>RENTA - TERCERA CATEGORÍA</td><td>2023</td></tr>"
    "</tbody></table></div>"
)


def test_debt_columns_are_found_by_header_words_and_amounts_read_in_any_format():
    parsed = parse_deuda_coactiva(REORDERED_DC)

    assert parsed == [
        {"monto": 1234.56, "periodoTributario": "201812", "fechaInicioCobranza": "2019-03-05",
         "entidad": "ONP - OFICINA DE NORMALIZACIÓN PREVISIONAL"},
        {"monto": 12500.0, "periodoTributario": "13/2020", "fechaInicioCobranza": None, "entidad": "ESSALUD"},
        {"monto": None, "periodoTributario": None, "fechaInicioCobranza": None, "entidad": "SUNAT - TRIBUTOS INTERNOS"},
    ]
    validator(DEUDA).validate(parsed)


@pytest.mark.parametrize("cell, amount", [
    ("1234.56", 1234.56), ("S/ 1,234.56", 1234.56), ("s/. 1,234,567.8", 1234567.8), ("0.50", 0.5), ("77", 77.0),
    ("-", None), ("", None), ("1.234,56", None), ("12,34", None), ("S/", None),
])
def test_amounts(cell, amount):
    assert parse_amount(cell) == amount


def test_omission_columns_are_found_by_header_words():
    parsed = parse_omisiones(REORDERED_OT)

    assert parsed == [
        {"periodo": "03/2024", "tributo": "IGV - CUENTA PROPIA", "tipoDeclaracion": "PDT 621",
         "fechaVencimiento": "2024-04-19"},
        {"periodo": "2023", "tributo": "RENTA - TERCERA CATEGORÍA", "tipoDeclaracion": None, "fechaVencimiento": None},
    ]
    validator(OMISIONES).validate(parsed)


@pytest.mark.parametrize("message", [
    "No se ha remitido deuda en cobranza coactiva que corresponda al contribuyente consultado.",
    "NO SE HA REMITIDO DEUDA EN COBRANZA COACTIVA",
    "No registra deuda coactiva.",
])
def test_debt_messages_are_no_information(message):
    html = page('<div class="panel panel-primary"><div class="list-group"><div class="list-group-item">'
                f'<div class="col-sm-12">{message}</div></div></div></div>')

    assert parse_deuda_coactiva(html) == []
    with pytest.raises(ParseError):
        parse_omisiones(html)


@pytest.mark.parametrize("message", ["No registra omisiones tributarias", "NO EXISTEN OMISIONES TRIBUTARIAS"])
def test_omission_messages_are_no_information(message):
    html = page(f'<div class="panel panel-primary"><h5>{message}</h5></div>')

    assert parse_omisiones(html) == []
    with pytest.raises(ParseError):
        parse_deuda_coactiva(html)


def test_tables_with_headers_and_only_a_message_row_are_no_information():
    dc = page('<table class="table"><tr><th>Monto de la Deuda</th><th>Período Tributario</th></tr>'
              '<tr><td colspan="2">No existe informaci&oacute;n</td></tr></table>')
    ot = page('<table class="table"><tr><th>Periodo</th><th>Tributo</th></tr>'
              '<tr><td colspan="2">No hay informaci&oacute;n</td></tr></table>')

    assert parse_deuda_coactiva(dc) == [] and parse_omisiones(ot) == []


# -- pages that are neither ------------------------------------------------------------------


def reactiva_like():
    """A Reactiva Perú answer (another sub-page) that says NO: not a debt page."""
    return page("<h3>REACTIVA PER&Uacute; DE 20100070970 - X S.A.</h3><div class=\"panel panel-primary\">"
                "<h4>&#191;Tiene deuda en cobranza coactiva mayor a una (1) UIT&#63; "
                '<span class="label label-success">NO</span></h4><h5>La informaci&oacute;n no tiene '
                "observaciones.</h5></div>")


NEITHER = {
    "empty": "",
    "error": templates.error_page(),
    "other-error": templates.error_page("No se encontró información para el contribuyente."),
    "not-found": templates.invalid_ruc_page("20000000001"),
    "firewall": templates.rejected_page("4478215519923370123"),
    "result": CATALOG.result_page(SYNTHETIC_RUCS[0], ReplicaConfig()),
    "rep-leg": replica_page("getRepLeg", COMPANY_RUC),
    "cant-trab": replica_page("getCantTrab", COMPANY_RUC),
    "cant-trab-message": replica_page("getCantTrab", PERSON_RUC),
    "historico": replica_page("getinfHis", PERSON_RUC),
    "loc-anex-error": replica_page("getLocAnex", PERSON_RUC),
    "reactiva-like": reactiva_like(),
}


@pytest.mark.parametrize("html", NEITHER.values(), ids=NEITHER.keys())
def test_pages_that_are_neither_raise_parse_error(html):
    with pytest.raises(ParseError):
        parse_deuda_coactiva(html)
    with pytest.raises(ParseError):
        parse_omisiones(html)


def test_each_page_is_refused_by_the_other_parser():
    with_data = next(ruc for ruc in SYNTHETIC_RUCS if deuda_coactiva.debts(ruc) and omisiones.omissions(ruc))
    for ruc in (with_data, PERSON_RUC):
        with pytest.raises(ParseError):
            parse_omisiones(info_dc(ruc))
        with pytest.raises(ParseError):
            parse_deuda_coactiva(info_ot(ruc))


def test_value_schemas_accept_the_empty_values_and_refuse_other_shapes():
    debt = parse_deuda_coactiva(REORDERED_DC)[0]
    omission = parse_omisiones(REORDERED_OT)[0]

    for section in (DEUDA, OMISIONES):
        validator(section).validate(section.empty())
    assert not validator(DEUDA).is_valid([{**debt, "monto": "1234.56"}])
    assert not validator(DEUDA).is_valid([{**debt, "extra": 1}])
    assert not validator(OMISIONES).is_valid([{**omission, "fechaVencimiento": 20240419}])
