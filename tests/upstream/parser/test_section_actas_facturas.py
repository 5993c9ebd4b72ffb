"""The getActPro (actas probatorias) and getActCPF (facturas físicas) sub-pages: the replica's
pages parse to the data it generated, and hand-written pages cover what it does not produce
(reordered columns, unknown headers, other message rows, entities instead of Latin-1 letters).
"""


import jsonschema_rs
import pytest

from devtools.replica import PERSON_RUC, ReplicaConfig, make_ruc, templates
from devtools.replica.subpages import actas_probatorias, facturas_fisicas
from sunat.upstream.parser import ParseError
from sunat.upstream.parser.actas_probatorias import SECTION as ACTAS
from sunat.upstream.parser.actas_probatorias import parse_actas_probatorias
from sunat.upstream.parser.facturas_fisicas import SECTION as FACTURAS
from sunat.upstream.parser.facturas_fisicas import parse_facturas_fisicas
from sunat.upstream.sections import SECTIONS
from tests.support.replica_pages import CATALOG, replica_page, served_sub_pages

pytestmark = pytest.mark.standalone

COMPANY_RUC = "20573215045"  # captured 2025 company page
PERSON_2021_RUC = "10401510465"
SYNTHETIC_RUCS = [make_ruc(f"20600{n:05d}") for n in range(40)]
NOTHING = {"autorizaciones": [], "bajas": []}



def act_pro(ruc, config=None):
    return replica_page("getActPro", ruc, config)


def act_cpf(ruc, config=None):
    return replica_page("getActCPF", ruc, config)


def expected_actas(ruc):
    def given(text):
        return None if text == "-" else text

    return [
        {"numeroActa": a.numero, "fechaActa": a.fecha.isoformat(), "lugarIntervencion": a.lugar,
         "articuloNumeral": a.articulo_numeral, "descripcionInfraccion": a.descripcion,
         "numeroRiRoz": given(a.numero_ri_roz), "tipoRiRoz": given(a.tipo_ri_roz),
         "actaReconocimiento": given(a.acta_reconocimiento)}
        for a in actas_probatorias.actas(ruc)
    ]


def expected_facturas(ruc):
    def item(r, number, date):
        return {number: None if r.numero == "NE" else r.numero, date: r.fecha.isoformat(),
                "comprobante": r.comprobante, "serie": r.serie,
                "numeroDesde": str(r.desde), "numeroHasta": str(r.hasta)}

    shown = facturas_fisicas.invoices(ruc)
    return {
        "autorizaciones": [item(r, "numeroAutorizacion", "fechaAutorizacion") for r in shown.autorizaciones],
        "bajas": [item(r, "numeroOrden", "fechaBaja") for r in shown.bajas],
    }


def validator(section):
    """The section's value schema, its components alongside so that its $refs resolve."""
    components = {name: schema for s in SECTIONS.values() for name, schema in s.schemas.items()}
    return jsonschema_rs.Draft202012Validator({**section.value_schema, "components": {"schemas": components}})


# -- the replica's pages -------------------------------------------------------------


@pytest.mark.parametrize("ruc", SYNTHETIC_RUCS)
def test_synthetic_companies_parse_to_what_the_replica_generated(ruc):
    actas, facturas = parse_actas_probatorias(act_pro(ruc)), parse_facturas_fisicas(act_cpf(ruc))

    assert actas == expected_actas(ruc)
    assert facturas == expected_facturas(ruc)
    validator(ACTAS).validate(actas)
    validator(FACTURAS).validate(facturas)


def test_the_synthetic_rucs_cover_pages_with_and_without_rows():
    actas = [len(actas_probatorias.actas(ruc)) for ruc in SYNTHETIC_RUCS]
    shown = [facturas_fisicas.invoices(ruc) for ruc in SYNTHETIC_RUCS]

    assert 0 in actas and max(actas) >= 2
    assert any(not s.autorizaciones for s in shown) and any(s.bajas for s in shown)
    assert any(s.autorizaciones and not s.bajas for s in shown)
    assert any(r.numero == "NE" for s in shown for r in s.autorizaciones)


def test_a_company_without_actas_keeps_the_table_with_a_message_row():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if not actas_probatorias.actas(ruc))
    html = act_pro(ruc)

    assert f'<td colspan="8" align="center">{actas_probatorias.NO_INFORMATION}</td>' in html
    assert parse_actas_probatorias(html) == []


@pytest.mark.parametrize("ruc", [PERSON_RUC, PERSON_2021_RUC], ids=["person-2026", "person-2021"])
def test_persons_get_the_no_information_variant(ruc):
    assert parse_actas_probatorias(act_pro(ruc)) == []
    assert parse_facturas_fisicas(act_cpf(ruc)) == NOTHING
    assert "No hay Informaci&oacute;n" in act_cpf(ruc) and "No hay Información" in act_cpf(ruc)


def test_company_listed_in_no_subpage_info_gets_the_no_information_variant():
    config = ReplicaConfig(no_subpage_info={COMPANY_RUC, *SYNTHETIC_RUCS})

    assert parse_actas_probatorias(act_pro(COMPANY_RUC)) == expected_actas(COMPANY_RUC)
    for ruc in (COMPANY_RUC, *SYNTHETIC_RUCS[:10]):
        assert parse_actas_probatorias(act_pro(ruc, config)) == []
        assert parse_facturas_fisicas(act_cpf(ruc, config)) == NOTHING


def test_pages_fetched_from_a_running_replica_are_iso_8859_1_and_parse():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if actas_probatorias.actas(ruc) and facturas_fisicas.invoices(ruc).bajas)
    pro, cpf = served_sub_pages(ruc, "EMPRESA ÑANDÚ S.A.", ("getActPro", "getActCPF"))

    for response in (pro, cpf):
        assert response.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
        assert b"\xc3" not in response.content  # no UTF-8 anywhere
        assert f"de {ruc} - EMPRESA \xd1AND\xda S.A.</h4>".encode("latin-1") in response.content
    assert "Artículo / Numeral".encode("latin-1") in pro.content
    assert actas_probatorias.actas(ruc)[0].lugar.encode("latin-1") in pro.content
    assert "Fecha de baja y/o cancelación".encode("latin-1") in cpf.content
    assert parse_actas_probatorias(pro.text) == expected_actas(ruc)
    assert parse_facturas_fisicas(cpf.text) == expected_facturas(ruc)


# -- hand-written pages -----------------------------------------------------------------


def page(body, title="Actas Probatorias de 20100070970 - X S.A."):
    return (f'<html><head><title>SUNAT - Consulta RUC</title></head><body><h4>{title}</h4>'
            f'<div class="panel panel-primary"><div class="list-group">{body}</div></div></body></html>')


ACTA_ROW = ("0232019000123", "05/03/2019", "JR. PEÑA NRO. 12 - CAÑETE", "ART. 174° NUM. 1",
            "NO OTORGAR COMPROBANTES DE PAGO", "023-002-0000456", "CIERRE", "-")
ACTA = {"numeroActa": "0232019000123", "fechaActa": "2019-03-05", "lugarIntervencion": "JR. PEÑA NRO. 12 - CAÑETE",
        "articuloNumeral": "ART. 174° NUM. 1", "descripcionInfraccion": "NO OTORGAR COMPROBANTES DE PAGO",
        "numeroRiRoz": "023-002-0000456", "tipoRiRoz": "CIERRE", "actaReconocimiento": None}


def table(headers, rows, header_cell="th"):
    head = "".join(f"<{header_cell}>{h}</{header_cell}>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td> {c}\n </td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def test_acta_columns_are_found_by_header_words_in_any_order():
    headers = ["Tipo de RIZ/ROZ", "Acta de Reconocimiento", "Descripci&oacute;n", "Fecha", "N&uacute;mero de Acta",
               "Lugar", "Art&iacute;culo - Numeral", "N° de RIZ/ROZ", "Observaciones"]
    order = [6, 7, 4, 1, 0, 2, 3, 5]
    row = [ACTA_ROW[i] for i in order] + ["ninguna"]
    entities = row[:]
    entities[5] = "JR. PE&Ntilde;A NRO. 12 - CA&Ntilde;ETE"

    assert parse_actas_probatorias(page(table(headers, [row, entities]))) == [ACTA, ACTA]


def test_eight_unknown_headers_are_read_by_position_on_an_actas_page():
    headers = ["Col A", "Col B", "Col C", "Col D", "Col E", "Col F", "Col G", "Col H"]
    rows = [ACTA_ROW, ("-", "", "", "", "", "", "", "")]  # the second is empty: no acta

    assert parse_actas_probatorias(page(table(headers, rows))) == [ACTA]
    assert parse_actas_probatorias(page(table(headers, [ACTA_ROW]).replace("<thead>", "").replace("</thead>", ""))) == [ACTA]
    with pytest.raises(ParseError):  # eight columns, but the page is not about actas probatorias
        parse_actas_probatorias(page(table(headers, [ACTA_ROW]), title="Otra consulta de 20100070970"))
    with pytest.raises(ParseError):  # unknown headers, seven columns
        parse_actas_probatorias(page(table(headers[:7], [ACTA_ROW[:7]])))


@pytest.mark.parametrize("message", [
    '<tr><td colspan="8">No existe informaci&oacute;n registrada para el contribuyente consultado</td></tr>',
    "<tr><td>No existe información</td>" + "<td>-</td>" * 7 + "</tr>",
    "<tr><td>NO HAY INFORMACI&Oacute;N</td></tr>",
])
def test_actas_message_rows_are_no_information(message):
    html = page(table(["N° Acta", "Fecha de Acta", "Lugar", "Art.", "Infracci&oacute;n", "RIZ", "Tipo", "Reconocimiento"],
                      []).replace("<tbody>", f"<tbody>{message}"))

    assert parse_actas_probatorias(html) == []
    assert parse_actas_probatorias(html.replace("N° Acta", "X")) == []  # by position too


def test_acta_message_outside_a_table_is_no_information():
    assert parse_actas_probatorias(page("<h5>No existe informaci&oacute;n de actas probatorias.</h5>")) == []


FACTURAS_TITLE = "Facturas F&iacute;sicas de 20100070970 - X S.A."
AUTORIZACION_HEADERS = ["Último Nro Autorización", "Fecha de &Uacute;ltima Autorizaci&oacute;n", "Comprobante",
                        "Serie", "del", "al"]
BAJA_HEADERS = ["Nro Orden", "Fecha de baja y/o cancelaci&oacute;n", "Comprobante", "Serie", "del", "al"]
AUTORIZACION = {"numeroAutorizacion": "1234567890", "fechaAutorizacion": "2015-02-01", "comprobante": "NOTA DE CRÉDITO",
                "serie": "0001", "numeroDesde": "1", "numeroHasta": "500"}
BAJA = {"numeroOrden": "345678", "fechaBaja": "2016-07-20", "comprobante": "FACTURA", "serie": "0002",
        "numeroDesde": "0000101", "numeroHasta": "0000150"}


def test_facturas_tables_are_told_apart_by_header_words_in_any_order():
    autorizaciones = table(
        ["al", "Serie", "Comprobante", "del", "Fecha de Última Autorización", "N° de Autorización"],
        [["500", "0001", "NOTA DE CR&Eacute;DITO", "1", "01/02/2015", "1234567890"],
         ["-", "-", "FACTURA", "-", "-", "NE"]],
    )
    bajas = table(BAJA_HEADERS, [["345678", "20/07/2016", "FACTURA", "0002", "0000101", "0000150"]])
    html = page(f"<h5>Facturas dadas de baja</h5>{bajas}<h5>Facturas autorizadas</h5>{autorizaciones}", FACTURAS_TITLE)

    assert parse_facturas_fisicas(html) == {
        "autorizaciones": [AUTORIZACION, {"numeroAutorizacion": None, "fechaAutorizacion": None,
                                          "comprobante": "FACTURA", "serie": None, "numeroDesde": None,
                                          "numeroHasta": None}],
        "bajas": [BAJA],
    }


@pytest.mark.parametrize("message", [
    '<tr><td colspan="6">No hay Informaci&oacute;n</td></tr>',
    "<tr><td>No hay Información</td>" + "<td>-</td>" * 5 + "</tr>",
    "<tr><td>No hay Información</td><td>-</td></tr>",
])
def test_facturas_message_rows_are_no_information(message):
    empty = table(AUTORIZACION_HEADERS, []).replace("<tbody>", f"<tbody>{message}")
    bajas = table(BAJA_HEADERS, [["345678", "20/07/2016", "FACTURA", "0002", "0000101", "0000150"]])

    assert parse_facturas_fisicas(page(empty + bajas, FACTURAS_TITLE)) == {"autorizaciones": [], "bajas": [BAJA]}


def test_a_facturas_table_left_out_is_empty_and_a_message_alone_is_no_information():
    only_bajas = page(table(BAJA_HEADERS, [["345678", "20/07/2016", "FACTURA", "0002", "0000101", "0000150"]]),
                      FACTURAS_TITLE)

    assert parse_facturas_fisicas(only_bajas) == {"autorizaciones": [], "bajas": [BAJA]}
    assert parse_facturas_fisicas(page("<h5>No hay informaci&oacute;n de facturas f&iacute;sicas</h5>",
                                       FACTURAS_TITLE)) == NOTHING


# -- pages that are neither ------------------------------------------------------------------

NOT_SUB_PAGES = {
    "empty": "",
    "blank": "  \n ",
    "firewall": templates.rejected_page("4478215519923370123"),
    "error": templates.error_page(),
    "not-found": templates.invalid_ruc_page("20000000001"),
    "synthetic-result": CATALOG.result_page(SYNTHETIC_RUCS[0], ReplicaConfig()),
    "old-layout": templates.old_layout_page(COMPANY_RUC, "LEAD WORKING PARTNER SAC"),
    "representatives": replica_page("getRepLeg", COMPANY_RUC),
    "workers": replica_page("getCantTrab", COMPANY_RUC),
    "reactiva": replica_page("getReactivaPeru", COMPANY_RUC),
    "message-without-subject": page("<h5>No existe informaci&oacute;n</h5>", title="Consulta de 20100070970"),
}


@pytest.mark.parametrize("html", NOT_SUB_PAGES.values(), ids=NOT_SUB_PAGES.keys())
def test_pages_that_are_no_such_sub_page_raise_parse_error(html):
    with pytest.raises(ParseError):
        parse_actas_probatorias(html)
    with pytest.raises(ParseError):
        parse_facturas_fisicas(html)


def test_each_page_is_refused_by_the_other_parser():
    with_rows = next(ruc for ruc in SYNTHETIC_RUCS if actas_probatorias.actas(ruc) and facturas_fisicas.invoices(ruc).bajas)
    for ruc in (with_rows, PERSON_RUC):
        with pytest.raises(ParseError):
            parse_facturas_fisicas(act_pro(ruc))
        with pytest.raises(ParseError):
            parse_actas_probatorias(act_cpf(ruc))


def test_value_schemas_accept_the_empty_values_and_refuse_other_shapes():
    validator(ACTAS).validate(ACTAS.empty())
    validator(FACTURAS).validate(FACTURAS.empty())
    assert not validator(FACTURAS).is_valid({"autorizaciones": []})
    assert not validator(ACTAS).is_valid([{**ACTA, "extra": 1}])
    assert not validator(ACTAS).is_valid([{**ACTA, "fechaActa": 20190305}])
