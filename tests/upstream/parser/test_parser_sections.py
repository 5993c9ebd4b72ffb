"""parse_representantes and parse_trabajadores on SUNAT's getRepLeg / getCantTrab sub-pages.

Pages come from the replica's own answer function (as the server would send
them) or from a running ReplicaServer; hand-written pages cover what the
replica does not produce (reordered and extra columns, other formats).
"""


import pytest

from devtools.replica import PERSON_RUC, ReplicaConfig, make_ruc, subpages, templates
from sunat.upstream.parser import (
    PageKind,
    ParseError,
    classify_page,
    error_message,
    parse_representantes,
    parse_ruc_page,
    parse_trabajadores,
)
from tests.support.paths import REPLICA_PAGES
from tests.support.replica_pages import CATALOG, replica_page, served_sub_pages

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = pytest.mark.standalone

PAGES = REPLICA_PAGES
COMPANY_RUC = "20573215045"  # captured 2025 company page
THREE_REPRESENTATIVES_RUC = "20440374248"  # captured 2021 page; the replica gives it three
PERSON_2021_RUC = "10401510465"
SYNTHETIC_RUCS = [make_ruc(f"20600{n:05d}") for n in range(40)]



def rep_leg(ruc, config=None):
    return replica_page("getRepLeg", ruc, config)


def cant_trab(ruc, config=None):
    return replica_page("getCantTrab", ruc, config)


# -- the replica's pages -------------------------------------------------------------


def test_company_representatives():
    assert parse_representantes(rep_leg(COMPANY_RUC)) == [
        {"tipoDocumento": "DNI", "numeroDocumento": "00696629", "nombre": "ZÚÑIGA QUISPE LUCÍA ROCÍO",
         "cargo": "GERENTE GENERAL", "fechaDesde": "2024-06-11"},
        {"tipoDocumento": "DNI", "numeroDocumento": "34217206", "nombre": "ZÚÑIGA VILLANUEVA BEATRIZ",
         "cargo": "GERENTE", "fechaDesde": "2010-02-01"},
    ]


def test_three_representatives_with_a_carne_de_extranjeria_keep_page_order_and_key_order():
    parsed = parse_representantes(rep_leg(THREE_REPRESENTATIVES_RUC))

    assert parsed == [
        {"tipoDocumento": "CE", "numeroDocumento": "886537938", "nombre": "HUAMÁN FLORES NOEMÍ ANA",
         "cargo": "GERENTE GENERAL", "fechaDesde": "2016-05-27"},
        {"tipoDocumento": "DNI", "numeroDocumento": "37522595", "nombre": "ORDÓÑEZ FLORES BEATRIZ",
         "cargo": "DIRECTOR", "fechaDesde": "2024-06-07"},
        {"tipoDocumento": "DNI", "numeroDocumento": "82769025", "nombre": "GÓMEZ CHÁVEZ JUAN",
         "cargo": "APODERADO ESPECIAL", "fechaDesde": "2012-09-06"},
    ]
    assert list(parsed[0]) == ["tipoDocumento", "numeroDocumento", "nombre", "cargo", "fechaDesde"]


def test_company_workers_newest_first_with_ne_and_dash_as_none():
    parsed = parse_trabajadores(cant_trab(COMPANY_RUC))

    # The page lists 2025-03 first and 2025-12 last; "NE" and "-" cells are None.
    assert parsed == [
        {"periodo": "2025-12", "trabajadores": 28, "pensionistas": None, "prestadores": 40},
        {"periodo": "2025-11", "trabajadores": 32, "pensionistas": None, "prestadores": 6},
        {"periodo": "2025-10", "trabajadores": 37, "pensionistas": None, "prestadores": 23},
        {"periodo": "2025-09", "trabajadores": 39, "pensionistas": 2, "prestadores": 28},
        {"periodo": "2025-08", "trabajadores": 36, "pensionistas": 0, "prestadores": 22},
        {"periodo": "2025-07", "trabajadores": 40, "pensionistas": 0, "prestadores": 8},
        {"periodo": "2025-06", "trabajadores": 38, "pensionistas": 0, "prestadores": None},
        {"periodo": "2025-05", "trabajadores": 35, "pensionistas": None, "prestadores": 32},
        {"periodo": "2025-04", "trabajadores": 35, "pensionistas": 0, "prestadores": 9},
        {"periodo": "2025-03", "trabajadores": 33, "pensionistas": 2, "prestadores": 21},
    ]
    assert list(parsed[0]) == ["periodo", "trabajadores", "pensionistas", "prestadores"]


@pytest.mark.parametrize("ruc", SYNTHETIC_RUCS)
def test_synthetic_companies_parse_to_the_rows_the_replica_generated(ruc):
    def count(cell):
        return int(cell) if cell.isdigit() else None

    expected_periods = [
        {"periodo": p.periodo, "trabajadores": count(p.trabajadores),
         "pensionistas": count(p.pensionistas), "prestadores": count(p.prestadores)}
        for p in reversed(subpages.worker_periods(ruc))
    ]
    expected_representatives = [
        {"tipoDocumento": r.tipo_documento, "numeroDocumento": r.numero_documento, "nombre": r.nombre,
         "cargo": r.cargo, "fechaDesde": r.fecha_desde.isoformat()}
        for r in subpages.representatives(ruc)
    ]

    assert parse_trabajadores(cant_trab(ruc)) == expected_periods
    assert parse_representantes(rep_leg(ruc)) == expected_representatives
    assert 1 <= len(expected_representatives) <= 3 and 1 <= len(expected_periods) <= 12


@pytest.mark.parametrize("ruc", [PERSON_RUC, PERSON_2021_RUC], ids=["person-2026", "person-2021"])
def test_persons_get_the_no_information_variant(ruc):
    assert parse_representantes(rep_leg(ruc)) == []
    assert parse_trabajadores(cant_trab(ruc)) == []


def test_company_listed_in_no_subpage_info_gets_the_no_information_variant():
    config = ReplicaConfig(no_subpage_info={COMPANY_RUC})

    assert parse_representantes(rep_leg(COMPANY_RUC, config)) == []
    assert parse_trabajadores(cant_trab(COMPANY_RUC, config)) == []
    assert len(parse_representantes(rep_leg(THREE_REPRESENTATIVES_RUC, config))) == 3


def test_sub_pages_are_not_ruc_results():
    for page in (rep_leg(COMPANY_RUC), cant_trab(COMPANY_RUC), rep_leg(PERSON_RUC), cant_trab(PERSON_RUC)):
        assert classify_page(page) is PageKind.UNKNOWN
        assert error_message(page) is None
        with pytest.raises(ParseError):
            parse_ruc_page(page)


def test_pages_fetched_from_a_running_replica_decode_and_parse():
    rep, trab = served_sub_pages(COMPANY_RUC, "LEAD WORKING PARTNER SAC", ("getRepLeg", "getCantTrab"))

    assert rep.encoding == "ISO-8859-1" and b"Z\xda\xd1IGA QUISPE LUC\xcdA ROC\xcdO" in rep.content
    assert [r["nombre"] for r in parse_representantes(rep.text)] == [
        "ZÚÑIGA QUISPE LUCÍA ROCÍO", "ZÚÑIGA VILLANUEVA BEATRIZ",
    ]
    assert parse_trabajadores(trab.text)[0] == {
        "periodo": "2025-12", "trabajadores": 28, "pensionistas": None, "prestadores": 40,
    }


# -- hand-written pages -----------------------------------------------------------------


def page(body):
    return f'<html><head><title>SUNAT - Consulta RUC</title></head><body>{body}</body></html>'


# Columns reordered, an extra column, headers in a td row, entities mixed with
# literal Latin-1, ragged whitespace, an empty fecha and a message-only row.
REORDERED_REP_LEG = page(
    '<div class="panel panel-primary"><table class="table">'
    "<tr><td>CARGO</td><td>Fecha desde:</td><td>Observaci&oacute;n</td><td>Apellidos y Nombres</td>"
    "<td>N&deg; de Documento</td><td>Tipo de Documento</td></tr>"
    "<tr><td> APODERADO </td><td>05/03/2019</td><td>ninguna</td><td>PE&Ntilde;A\n   D&Iacute;AZ  JOS&Eacute;</td>"
    "<td> 07654321 </td><td>DNI</td></tr>"
    "<tr><td>GERENTE GENERAL</td><td>-</td><td></td><td>MUÑOZ TORRES ANA</td><td>001234567</td>"
    "<td>CARNET DE EXTRANJERIA</td></tr>"
    '<tr><td colspan="6">Fin de la relaci&oacute;n</td></tr>'
    "</table></div>"
)

REORDERED_CANT_TRAB = page(
    '<div class="panel panel-primary"><table class="table"><thead><tr>'
    "<th>N&ordm; de Prestadores de Servicio</th><th>PER&Iacute;ODO</th><th>Total</th>"
    "<th>Pensionistas</th><th>Cantidad de trabajadores</th></tr></thead><tbody>"
    "<tr><td>3</td><td>03/2024</td><td>1238</td><td>NE</td><td>1,234</td></tr>"
    "<tr><td></td><td>2024-04</td><td>9</td><td>-</td><td>  7 </td></tr>"
    # A long table repeats its header; a message row spans the table.
    "<tr><th>N° de Prestadores de Servicio</th><th>Periodo</th><th>Total</th><th>N° de Pensionistas</th>"
    "<th>N° de Trabajadores</th></tr>"
    '<tr><td colspan="5">Informaci&oacute;n declarada en la planilla electr&oacute;nica</td></tr>'
    "<tr><td>NE</td><td>202405</td><td>0</td><td>0</td><td>NE</td></tr>"
    "</tbody></table></div>"
)


def test_representatives_columns_are_found_by_header_not_position():
    assert parse_representantes(REORDERED_REP_LEG) == [
        {"tipoDocumento": "DNI", "numeroDocumento": "07654321", "nombre": "PEÑA DÍAZ JOSÉ",
         "cargo": "APODERADO", "fechaDesde": "2019-03-05"},
        {"tipoDocumento": "CARNET DE EXTRANJERIA", "numeroDocumento": "001234567", "nombre": "MUÑOZ TORRES ANA",
         "cargo": "GERENTE GENERAL", "fechaDesde": None},
    ]


def test_workers_columns_are_found_by_header_and_periods_in_other_formats_are_read():
    assert parse_trabajadores(REORDERED_CANT_TRAB) == [
        {"periodo": "2024-05", "trabajadores": None, "pensionistas": 0, "prestadores": None},
        {"periodo": "2024-04", "trabajadores": 7, "pensionistas": None, "prestadores": None},
        {"periodo": "2024-03", "trabajadores": 1234, "pensionistas": None, "prestadores": 3},
    ]


def test_missing_optional_columns_give_none():
    html = page(
        '<table class="table"><tr><th>Nombre</th><th>Nro. Documento</th></tr>'
        "<tr><td>QUISPE MAMANI ROSA</td><td>41234567</td></tr></table>"
        '<table class="table"><tr><th>Periodo</th><th>N° de Trabajadores</th></tr>'
        "<tr><td>MAR-2025</td><td>12</td></tr><tr><td>Setiembre 2024</td><td>10</td></tr></table>"
    )

    assert parse_representantes(html) == [
        {"tipoDocumento": None, "numeroDocumento": "41234567", "nombre": "QUISPE MAMANI ROSA",
         "cargo": None, "fechaDesde": None},
    ]
    assert parse_trabajadores(html) == [
        {"periodo": "2025-03", "trabajadores": 12, "pensionistas": None, "prestadores": None},
        {"periodo": "2024-09", "trabajadores": 10, "pensionistas": None, "prestadores": None},
    ]


def test_unreadable_period_is_none_and_sorts_last():
    html = page(
        "<table><tr><th>Periodo</th><th>N° de Trabajadores</th></tr>"
        "<tr><td>??</td><td>5</td></tr><tr><td>2023-13</td><td>6</td></tr><tr><td>2023-12</td><td>7</td></tr></table>"
    )

    assert [(row["periodo"], row["trabajadores"]) for row in parse_trabajadores(html)] == [
        ("2023-12", 7), (None, 5), (None, 6),
    ]


def test_table_with_headers_and_only_a_message_row_is_no_information():
    html = page(
        '<div class="panel panel-primary"><table class="table"><tr><th>Documento</th><th>Nro. Documento</th>'
        '<th>Nombre</th><th>Cargo</th><th>Fecha Desde</th></tr>'
        '<tr><td colspan="5">No existe informaci&oacute;n</td></tr></table></div>'
    )

    assert parse_representantes(html) == []


@pytest.mark.parametrize(
    "message",
    ["No existen declaraciones presentadas", "NO HAY INFORMACIÓN DE TRABAJADORES", "no se encontraron registros"],
)
def test_no_information_messages_are_recognized_with_the_subject(message):
    html = page(
        '<h4>Cantidad de Trabajadores y/o Prestadores de Servicio de 20100070970 - X S.A.</h4>'
        f'<div class="panel panel-primary"><div class="list-group"><h5>{message}</h5></div></div>'
    )

    assert parse_trabajadores(html) == []
    with pytest.raises(ParseError):
        parse_representantes(html)  # the subject is workers, not representatives


# -- pages that are neither ------------------------------------------------------------------


def captured(name):
    return (PAGES / name).read_text(encoding="utf-8")


NOT_SUB_PAGES = {
    "empty": "",
    "blank": "  \n ",
    "firewall": templates.rejected_page("4478215519923370123"),
    "error": templates.error_page(),
    "not-found": templates.invalid_ruc_page("20000000001"),
    "company-result": captured("consPorRuc_20573215045_company_2025.html"),
    "person-result-2021": captured("consPorRuc_10401510465_person_2021.html"),
    "synthetic-result": CATALOG.result_page(SYNTHETIC_RUCS[0], ReplicaConfig()),
    "list": captured("consPorRazonSoc_list_2021.html"),
    "old-layout": templates.old_layout_page(COMPANY_RUC, "LEAD WORKING PARTNER SAC"),
    "other-panel": page('<div class="panel panel-default"><p>Otro formato</p></div>'),
    "title-without-message": page(
        "<h4>Representantes Legales y Trabajadores de 20100070970</h4>"
        '<div class="panel panel-primary"><div class="list-group"></div></div>'
    ),
    "message-without-title": page('<div class="panel panel-primary"><h5>No existe informaci&oacute;n</h5></div>'),
}


@pytest.mark.parametrize("html", NOT_SUB_PAGES.values(), ids=NOT_SUB_PAGES.keys())
def test_pages_that_are_no_sub_page_raise_parse_error(html):
    with pytest.raises(ParseError):
        parse_representantes(html)
    with pytest.raises(ParseError):
        parse_trabajadores(html)


def test_each_sub_page_is_refused_by_the_other_parser():
    for representatives, workers in [(rep_leg(COMPANY_RUC), cant_trab(COMPANY_RUC)),
                                     (rep_leg(PERSON_RUC), cant_trab(PERSON_RUC))]:
        with pytest.raises(ParseError):
            parse_trabajadores(representatives)
        with pytest.raises(ParseError):
            parse_representantes(workers)


def test_parse_error_names_the_page_kind():
    with pytest.raises(ParseError, match="rejected"):
        parse_trabajadores(NOT_SUB_PAGES["firewall"])
    with pytest.raises(ParseError, match="result"):
        parse_representantes(NOT_SUB_PAGES["company-result"])
