import time

import pytest

from sunat.upstream.parser import (
    FIELDS,
    PageKind,
    ParseError,
    classify_page,
    error_message,
    parse_ruc_page,
    split_address,
    split_estado,
)
from tests.support.paths import REPLICA_PAGES

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = pytest.mark.standalone

PAGES = REPLICA_PAGES

COMPANY_2025 = "consPorRuc_20573215045_company_2025.html"
PERSON_2026 = "consPorRuc_person_redacted_2026.html"
REGION_2021 = "consPorRuc_20440374248_2021.html"
TWO_DOCUMENTS_2021 = "consPorRuc_20146806679_2021.html"
BAJA_2021 = "consPorRuc_20550263948_2021.html"
PERSON_2021 = "consPorRuc_10401510465_person_2021.html"
LIST_PAGES = ["consPorRazonSoc_list_2021.html", "consPorRazonSoc_list_redacted_2026.html"]
RESULT_PAGES = [COMPANY_2025, PERSON_2026, REGION_2021, TWO_DOCUMENTS_2021, BAJA_2021, PERSON_2021]


def read_page(name):
    return (PAGES / name).read_text(encoding="utf-8")


# Hand-written pages ---------------------------------------------------------

FIREWALL_PAGE = (
    "<html><head><title>Request Rejected</title></head><body>"
    "The requested URL was rejected. Please consult with your administrator.<br><br>"
    "Your support ID is: 4478215519923370123<br><br>"
    "<a href='javascript:history.back();'>[Go Back]</a></body></html>"
)
def sunat_message_page(title, message):
    """SUNAT's "Pagina de Error" / "Pagina de Mensajes" layout around `message`."""
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><HTML><HEAD>'
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
        f"<TITLE>.:: {title} ::.</TITLE></HEAD>"
        "<style>.error {font-size:12pt;color:Red;}</style><BODY>"
        '<div class="cuerpo"><div align="left" class="msg">La aplicaci&oacute;n ha retornado el siguiente problema :</div>'
        f'<p class="error">{message}</p><HR size="1px">'
        '<div align="left" class="msg">Acci&oacute;n a realizar :</div>'
        '<div align="left" class="soluc"><a href="FrameCriterioBusquedaWeb.jsp">Nueva consulta</a></div>'
        "</div></BODY></HTML>"
    )


ERROR_PAGE = sunat_message_page("Pagina de Error", "\n   Surgieron problemas al procesar\n   la consulta   ")
MENSAJES_PAGE = sunat_message_page("Pagina de Mensajes", "Su sesi&oacute;n ha expirado.")
# A "Pagina de Mensajes" variant without p.error: the body text is the message.
BARE_MENSAJES_PAGE = (
    "<html><head><title>.:: Pagina de Mensajes ::.</title></head><body>"
    '<table><tr><td class="bg">  El sistema no puede atender   su consulta. </td></tr></table>'
    '<button type="button">Volver</button></body></html>'
)

NOT_FOUND_ENTITIES_PAGE = (
    "<html><head><title>SUNAT - Consulta RUC</title></head><body>"
    '<div class="list-group-item"><p>El n&uacute;mero de RUC 20607105615 consultado no es '
    "v&aacute;lido.\n Debe verificar el n&uacute;mero y volver a ingresar.</p></div></body></html>"
)
NOT_FOUND_LATIN1_PAGE = (
    "<html><head><title>SUNAT - Consulta RUC</title></head><body>"
    "<div><p>El número de RUC <strong>20000000001</strong> consultado no es válido. "
    "Debe verificar el número y volver a ingresar.</p></div></body></html>"
)
NOT_FOUND_IN_MENSAJES_PAGE = sunat_message_page(
    "Pagina de Mensajes",
    "El n&uacute;mero de RUC 20000000001 consultado no es v&aacute;lido. Debe verificar el n&uacute;mero y volver a ingresar.",
)
UNKNOWN_PAGE = (
    "<html><head><title>SUNAT - Consulta RUC</title></head><body>"
    '<div class="panel panel-default"><p>Otro formato</p></div></body></html>'
)


def row(label, value_html):
    return (
        '<div class="list-group-item"><div class="row">'
        f'<div class="col-sm-5"><h4 class="list-group-item-heading">{label}</h4></div>'
        f'<div class="col-sm-7">{value_html}</div>'
        "</div></div>"
    )


def text(value):
    return f'<p class="list-group-item-text">{value}</p>'


def ruc_row(ruc="20100070970", name="SUPERMERCADOS PERUANOS SOCIEDAD ANONIMA"):
    return row("N&uacute;mero de RUC:", f'<h4 class="list-group-item-heading">{ruc} - {name}</h4>')


def result_page(*rows):
    return (
        '<html><body><div class="panel panel-primary"><div class="list-group">'
        + "".join(rows)
        + '</div><div class="panel-footer">Fecha consulta: 01/02/2026 10:00</div></div></body></html>'
    )


# Captured result pages --------------------------------------------------------

def test_company_2025_page_parses_every_field():
    assert parse_ruc_page(read_page(COMPANY_2025)) == {
        "ruc": "20573215045",
        "razonSocial": "LEAD WORKING PARTNER SAC",
        "nombreComercial": None,
        "tipoContribuyente": "SOCIEDAD ANONIMA CERRADA",
        "tipoDocumento": None,
        "numeroDocumento": None,
        "estado": "ACTIVO",
        "condicion": "HABIDO",
        "fechaInscripcion": "2014-02-05",
        "fechaInicioActividades": "2014-03-01",
        "fechaBaja": None,
        "direccion": (
            "JR. AREQUIPA NRO. 1085 (CERCA AL COLEGIO MARIANO BONIN) HUANUCO - LEONCIO PRADO - RUPA-RUPA"
        ),
        "departamento": "HUANUCO",
        "provincia": "LEONCIO PRADO",
        "distrito": "RUPA-RUPA",
        "ubigeo": "100601",
        "sistemaEmision": "COMPUTARIZADO",
        "actividadComercioExterior": "SIN ACTIVIDAD",
        "sistemaContabilidad": "MANUAL",
        "actividadesEconomicas": [
            {
                "tipo": "Principal",
                "ciiu": "6202",
                "descripcion": "CONSULTORÍA DE INFORMÁTICA Y GESTIÓN DE INSTALACIONES INFORMÁTICAS",
            },
            {"tipo": "Secundaria 1", "ciiu": "6201", "descripcion": "PROGRAMACIÓN INFORMÁTICA"},
            {
                "tipo": "Secundaria 2",
                "ciiu": "4741",
                "descripcion": (
                    "VENTA AL POR MENOR DE ORDENADORES, EQUIPO PERIFÉRICO, PROGRAMA DE INFORM. "
                    "Y EQU. DE TELEC. EN COMERCIOS ESPECIALIZADOS"
                ),
            },
        ],
        "comprobantesPago": ["FACTURA"],
        "sistemaEmisionElectronica": [
            "FACTURA PORTAL DESDE 23/03/2015",
            "BOLETA PORTAL DESDE 25/10/2018",
            "DESDE LOS SISTEMAS DEL CONTRIBUYENTE. AUTORIZ DESDE 27/10/2018",
            "GUIA DE REMISION DESDE 25/06/2021",
            "SEE-FACTURADOR . AUTORIZ DESDE 27/10/2018",
        ],
        "emisorElectronicoDesde": "2015-03-23",
        "comprobantesElectronicos": [
            {"tipo": "FACTURA", "desde": "2015-03-23"},
            {"tipo": "BOLETA", "desde": "2018-10-25"},
            {"tipo": "GUIA", "desde": "2021-06-25"},
        ],
        "afiliadoPleDesde": None,
        "padrones": [],
    }


def test_person_2026_redacted_page_parses_every_field():
    assert parse_ruc_page(read_page(PERSON_2026)) == {
        "ruc": "10DDDDDDDDC",
        "razonSocial": "APELLIDO1 APELLIDO2 NOMBRE1 NOMBRE2",
        "nombreComercial": None,
        "tipoContribuyente": "PERSONA NATURAL SIN NEGOCIO",
        "tipoDocumento": "DNI",
        "numeroDocumento": "DDDDDDDD",  # redacted in the capture
        "estado": "ACTIVO",
        "condicion": "HABIDO",
        "fechaInscripcion": "2023-12-02",
        "fechaInicioActividades": "2023-12-02",
        "fechaBaja": None,
        "direccion": None,
        "departamento": None,
        "provincia": None,
        "distrito": None,
        "ubigeo": None,
        "sistemaEmision": "MANUAL",
        "actividadComercioExterior": "SIN ACTIVIDAD",
        "sistemaContabilidad": "MANUAL",
        "actividadesEconomicas": [
            {
                "tipo": "Principal",
                "ciiu": "9609",
                "descripcion": "OTRAS ACTIVIDADES DE SERVICIOS PERSONALES N.C.P.",
            },
        ],
        "comprobantesPago": [],
        "sistemaEmisionElectronica": ["RECIBOS POR HONORARIOS AFILIADO DESDE 29/02/2024"],
        "emisorElectronicoDesde": "2024-02-29",
        "comprobantesElectronicos": [{"tipo": "RECIBO POR HONORARIO", "desde": "2024-02-29"}],
        "afiliadoPleDesde": None,
        "padrones": [],
    }


@pytest.mark.parametrize("name", RESULT_PAGES)
def test_result_pages_return_exactly_the_api_keys_in_order(name):
    assert list(parse_ruc_page(read_page(name))) == [
        "ruc", "razonSocial", "nombreComercial", "tipoContribuyente", "tipoDocumento", "numeroDocumento",
        "estado", "condicion", "fechaInscripcion", "fechaInicioActividades", "fechaBaja",
        "direccion", "departamento", "provincia", "distrito", "ubigeo", "sistemaEmision",
        "actividadComercioExterior", "sistemaContabilidad", "actividadesEconomicas",
        "comprobantesPago", "sistemaEmisionElectronica", "emisorElectronicoDesde",
        "comprobantesElectronicos", "afiliadoPleDesde", "padrones",
    ]
    assert list(FIELDS) == list(parse_ruc_page(read_page(name)))


def test_regional_government_2021_page_reads_la_libertad_and_the_typoed_label():
    data = parse_ruc_page(read_page(REGION_2021))
    assert data["ruc"] == "20440374248"
    assert data["razonSocial"] == "GOBIERNO REGIONAL LA LIBERTAD"
    assert data["tipoContribuyente"] == "GOBIERNO REGIONAL, LOCAL"
    assert data["nombreComercial"] is None
    assert data["tipoDocumento"] is None
    assert (data["estado"], data["condicion"], data["fechaBaja"]) == ("ACTIVO", "HABIDO", None)
    assert data["fechaInscripcion"] == "2003-01-09"
    assert data["fechaInicioActividades"] == "2003-01-09"
    # The 2021 address pads each part with 100+ spaces.
    assert data["direccion"] == "CAL.LOS BRILLANTES NRO. 650 URB. SANTA INES LA LIBERTAD - TRUJILLO - TRUJILLO"
    assert (data["departamento"], data["provincia"], data["distrito"]) == ("LA LIBERTAD", "TRUJILLO", "TRUJILLO")
    assert data["sistemaEmision"] == "MANUAL"  # label with a literal "ó"
    assert data["sistemaContabilidad"] == "COMPUTARIZADO"  # "Sistema Contabilidiad:"
    assert data["actividadesEconomicas"] == [
        {"tipo": "Principal", "ciiu": "8411", "descripcion": "ACTIVIDADES DE LA ADMINISTRACIÓN PÚBLICA EN GENERAL"},
    ]
    assert data["comprobantesPago"] == ["FACTURA", "BOLETA DE VENTA", "COMPROBANTE DE RETENCION"]
    assert data["sistemaEmisionElectronica"] == ["SEE-FACTURADOR . AUTORIZ DESDE 10/01/2017"]
    assert data["emisorElectronicoDesde"] == "2017-01-10"
    assert data["comprobantesElectronicos"] == [{"tipo": "FACTURA", "desde": "2017-01-10"}]
    assert data["afiliadoPleDesde"] == "2013-01-01"
    assert data["padrones"] == [
        "Incorporado al Régimen de Agentes de Retención de IGV (R.S.101-2003) a partir del 01/06/2003",
    ]


def test_two_documents_response_gives_the_first_result_only():
    data = parse_ruc_page(read_page(TWO_DOCUMENTS_2021))
    assert data["ruc"] == "20146806679"
    assert data["razonSocial"] == "MUNICIPALIDAD PROVINCIAL DE MOYOBAMBA"
    # The second document (RUC 20440374248) has other values for these.
    assert data["comprobantesPago"] == ["FACTURA", "BOLETA DE VENTA", "LIQUIDACION DE COMPRA"]
    assert data["padrones"] == []
    assert data["afiliadoPleDesde"] is None


def test_municipality_2021_page_reads_san_martin_and_every_activity():
    data = parse_ruc_page(read_page(TWO_DOCUMENTS_2021))
    assert data["nombreComercial"] == "BOTICA MUNICIPAL"
    assert data["tipoContribuyente"] == "GOBIERNO REGIONAL, LOCAL"
    assert (data["estado"], data["condicion"], data["fechaBaja"]) == ("ACTIVO", "HABIDO", None)
    assert data["fechaInscripcion"] == "1993-07-01"
    assert data["fechaInicioActividades"] == "1920-01-01"
    assert data["direccion"] == "JR. PEDRO CANGA NRO. 262 SAN MARTIN - MOYOBAMBA - MOYOBAMBA"
    assert (data["departamento"], data["provincia"], data["distrito"]) == ("SAN MARTIN", "MOYOBAMBA", "MOYOBAMBA")
    assert data["sistemaContabilidad"] == "MANUAL"
    assert data["actividadesEconomicas"] == [
        {"tipo": "Principal", "ciiu": "8411", "descripcion": "ACTIVIDADES DE LA ADMINISTRACIÓN PÚBLICA EN GENERAL"},
        {"tipo": "Secundaria 1", "ciiu": "8690", "descripcion": "OTRAS ACTIVIDADES DE ATENCIÓN DE LA SALUD HUMANA"},
        {
            "tipo": "Secundaria 2",
            "ciiu": "4772",
            "descripcion": (
                "VENTA AL POR MENOR DE PRODUCTOS FARMACÉUTICOS Y MÉDICOS, COSMÉTICOS Y "
                "ARTÍCULOS DE TOCADOR EN COMERCIOS ESPECIALIZADOS"
            ),
        },
    ]
    # "Sistema de Emisión Electrónica" holds a bare "-" with no table.
    assert data["sistemaEmisionElectronica"] == []
    assert data["emisorElectronicoDesde"] is None
    assert data["comprobantesElectronicos"] == []


def test_company_in_baja_de_oficio_2021_page_splits_estado_and_fecha_de_baja():
    data = parse_ruc_page(read_page(BAJA_2021))
    assert data["ruc"] == "20550263948"
    assert data["razonSocial"] == "CIA. INTERACTIVA ALONDRA SOCIEDAD COMERCIAL DE RESPONSABILIDAD LIMITADA"
    assert data["nombreComercial"] == "CIA. INTERACTIVA ALONDRA SRL"
    assert data["tipoContribuyente"] == "SOC.COM.RESPONS. LTDA"
    assert data["estado"] == "BAJA DE OFICIO"
    assert data["fechaBaja"] == "2016-10-31"
    assert data["condicion"] == "HABIDO"
    assert data["fechaInscripcion"] == "2012-11-06"
    assert data["fechaInicioActividades"] == "2012-11-06"
    assert data["direccion"] == (
        "JR. HUAROCHIRI NRO. 424 INT. K06 Z.I. CC NICOLINI (2 DO. PISO DEL CENTRO COMERCIAL) LIMA - LIMA - LIMA"
    )
    assert (data["departamento"], data["provincia"], data["distrito"]) == ("LIMA", "LIMA", "LIMA")
    assert data["sistemaEmision"] == "MANUAL/COMPUTARIZADO"
    assert data["actividadComercioExterior"] == "IMPORTADOR"
    assert data["sistemaContabilidad"] == "MANUAL/COMPUTARIZADO"
    assert data["actividadesEconomicas"] == [
        {
            "tipo": "Principal",
            "ciiu": "4752",
            "descripcion": (
                "VENTA AL POR MENOR DE ARTÍCULOS DE FERRETERÍA, PINTURAS Y PRODUCTOS DE VIDRIO "
                "EN COMERCIOS ESPECIALIZADOS"
            ),
        },
    ]
    assert data["comprobantesPago"] == []
    assert data["sistemaEmisionElectronica"] == []
    assert data["comprobantesElectronicos"] == []
    assert data["afiliadoPleDesde"] == "2015-01-01"
    assert data["padrones"] == []


def test_person_2021_page_keeps_the_name_as_given_and_reads_tipo_documento():
    data = parse_ruc_page(read_page(PERSON_2021))
    assert data["ruc"] == "10401510465"
    assert data["razonSocial"] == "PEREZ - JUAN"
    assert data["tipoContribuyente"] == "PERSONA NATURAL SIN NEGOCIO"
    # The cell reads "DNI  40151046 - PEREZ , JUAN": the type and the number (the name is razonSocial).
    assert (data["tipoDocumento"], data["numeroDocumento"]) == ("DNI", "40151046")
    assert data["nombreComercial"] is None
    assert (data["estado"], data["condicion"], data["fechaBaja"]) == ("ACTIVO", "HABIDO", None)
    assert data["fechaInscripcion"] == "2010-11-18"
    assert data["fechaInicioActividades"] == "2010-11-18"
    assert (data["direccion"], data["departamento"], data["provincia"], data["distrito"]) == (None,) * 4
    assert data["sistemaContabilidad"] == "MANUAL"
    assert data["actividadesEconomicas"] == [
        {"tipo": "Principal", "ciiu": "93098", "descripcion": "OTRAS ACTIVID.DE TIPO SERVICIO NCP"},
    ]
    assert data["comprobantesPago"] == []
    assert data["sistemaEmisionElectronica"] == []
    assert data["emisorElectronicoDesde"] is None
    assert data["comprobantesElectronicos"] == []
    assert data["padrones"] == []


@pytest.mark.parametrize("name", RESULT_PAGES)
def test_commented_out_razon_social_row_is_never_read(name):
    html = read_page(name)
    assert "eeee" in html  # the commented-out row is really there
    assert "eeee" not in repr(parse_ruc_page(html))


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_classify_as_unknown_and_raise_parse_error(name):
    html = read_page(name)
    assert classify_page(html) is PageKind.UNKNOWN
    with pytest.raises(ParseError):
        parse_ruc_page(html)


def test_parsing_the_largest_page_takes_well_under_20_ms():
    html = read_page(TWO_DOCUMENTS_2021)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        classify_page(html)
        parse_ruc_page(html)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.020


# Hand-written result pages ------------------------------------------------------

def test_rows_inside_html_comments_are_ignored():
    html = result_page(
        ruc_row(),
        "<!-- " + row("Nombre Comercial:", text("eeee")) + " -->",
        row("Estado del Contribuyente:", "<!-- " + text("SUSPENSION TEMPORAL") + " -->" + text("ACTIVO")),
    )
    data = parse_ruc_page(html)
    assert data["nombreComercial"] is None
    assert data["estado"] == "ACTIVO"


def test_a_ruc_row_only_inside_a_comment_is_not_a_result():
    html = result_page("<!-- " + ruc_row() + " -->", row("Tipo Contribuyente:", text("SOCIEDAD ANONIMA")))
    assert classify_page(html) is PageKind.UNKNOWN
    with pytest.raises(ParseError):
        parse_ruc_page(html)


def test_only_the_first_result_panel_counts():
    html = result_page(ruc_row("20100055237", "PRIMERA SAC")) + result_page(ruc_row("20100070970", "SEGUNDA SAC"))
    data = parse_ruc_page(html)
    assert (data["ruc"], data["razonSocial"]) == ("20100055237", "PRIMERA SAC")


def test_empty_ruc_value_raises_parse_error():
    html = result_page(row("N&uacute;mero de RUC:", '<h4 class="list-group-item-heading"> - </h4>'))
    with pytest.raises(ParseError):
        parse_ruc_page(html)


def test_parse_error_on_a_non_result_page_is_a_value_error():
    for html in (FIREWALL_PAGE, ERROR_PAGE, NOT_FOUND_ENTITIES_PAGE, UNKNOWN_PAGE, "", "   "):
        with pytest.raises(ValueError) as excinfo:
            parse_ruc_page(html)
        assert isinstance(excinfo.value, ParseError)


def test_older_labels_and_fecha_de_baja_row_are_mapped():
    html = result_page(
        ruc_row(),
        row("Estado:", text("BAJA DEFINITIVA")),
        row("Condición:", text("NO HALLADO")),
        row("Fecha de Baja:", text("15/03/2020")),
        row("Dirección del Domicilio Fiscal:", text("AV. LA MARINA NRO. 2 LIMA - LIMA - SAN MIGUEL")),
    )
    data = parse_ruc_page(html)
    assert data["estado"] == "BAJA DEFINITIVA"
    assert data["condicion"] == "NO HALLADO"
    assert data["fechaBaja"] == "2020-03-15"
    assert data["direccion"] == "AV. LA MARINA NRO. 2 LIMA - LIMA - SAN MIGUEL"
    assert (data["departamento"], data["provincia"], data["distrito"]) == ("LIMA", "LIMA", "SAN MIGUEL")


def test_labels_match_without_accents_case_or_line_breaks():
    html = result_page(
        ruc_row(),
        row("CONDICION DEL CONTRIBUYENTE :", text("HABIDO")),
        row("Sistema Emisi&oacute;n\n   de Comprobante:", text("MANUAL")),
        row("Comprobantes de Pago c/aut. de impresi&oacute;n (F. 806\n    u 816):", "<table><tr><td>FACTURA</td></tr></table>"),
    )
    data = parse_ruc_page(html)
    assert data["condicion"] == "HABIDO"
    assert data["sistemaEmision"] == "MANUAL"
    assert data["comprobantesPago"] == ["FACTURA"]


def test_unknown_labels_are_ignored():
    html = result_page(
        ruc_row(),
        row("Profesión u Oficio:", text("ABOGADO")),
        row("Tipo Contribuyente:", text("PERSONA NATURAL CON NEGOCIO")),
    )
    data = parse_ruc_page(html)
    assert data["tipoContribuyente"] == "PERSONA NATURAL CON NEGOCIO"
    assert "ABOGADO" not in repr(data)


def test_estado_cell_with_a_baja_date_sets_fecha_baja():
    html = result_page(
        ruc_row(),
        row("Estado del Contribuyente:", text("BAJA DE OFICIO\n <br> FECHA DE BAJA: 31/12/2019\n")),
    )
    data = parse_ruc_page(html)
    assert (data["estado"], data["fechaBaja"]) == ("BAJA DE OFICIO", "2019-12-31")


def test_page_with_meta_charset_and_xml_declaration_is_read_as_the_given_text():
    html = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><html><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head><body>'
        '<div class="panel panel-primary"><div class="list-group">'
        + row("Número de RUC:", '<h4 class="list-group-item-heading">20100070970 - ÑANDÚ E.I.R.L.</h4>')
        + row("Condición del Contribuyente:", text("HABIDO"))
        + "</div></div></body></html>"
    )
    assert classify_page(html) is PageKind.RESULT
    data = parse_ruc_page(html)
    assert data["razonSocial"] == "ÑANDÚ E.I.R.L."
    assert data["condicion"] == "HABIDO"


def test_comprobantes_electronicos_without_desde_and_empty_markers():
    html = result_page(
        ruc_row(),
        row("Comprobantes Electr&oacute;nicos:", text("FACTURA,BOLETA (desde\n 01/01/2016), NOTA DE CREDITO")),
    )
    assert parse_ruc_page(html)["comprobantesElectronicos"] == [
        {"tipo": "FACTURA", "desde": None},
        {"tipo": "BOLETA", "desde": "2016-01-01"},
        {"tipo": "NOTA DE CREDITO", "desde": None},
    ]
    for empty in ("-", "NINGUNO"):
        html = result_page(ruc_row(), row("Comprobantes Electrónicos:", text(empty)))
        assert parse_ruc_page(html)["comprobantesElectronicos"] == []


def test_list_rows_drop_ninguno_and_dash_lines():
    html = result_page(
        ruc_row(),
        row("Padrones:", "<table><tr><td>NINGUNO</td></tr><tr><td> - </td></tr><tr><td>Agente de\n Percepción</td></tr></table>"),
        row("Actividad(es) Económica(s):", "<table><tr><td>NINGUNO</td></tr><tr><td>Principal - 6202 - X</td></tr></table>"),
    )
    data = parse_ruc_page(html)
    assert data["padrones"] == ["Agente de Percepción"]
    assert data["actividadesEconomicas"] == [{"tipo": "Principal", "ciiu": "6202", "descripcion": "X"}]


def test_activity_description_keeps_its_own_separators():
    html = result_page(
        ruc_row(),
        row("Actividad(es) Económica(s):", (
            "<table><tr><td>Secundaria 1 - 4690 - VENTA AL POR MAYOR\n   - NO ESPECIALIZADA</td></tr></table>"
        )),
    )
    assert parse_ruc_page(html)["actividadesEconomicas"] == [
        {"tipo": "Secundaria 1", "ciiu": "4690", "descripcion": "VENTA AL POR MAYOR - NO ESPECIALIZADA"},
    ]


def test_line_breaks_inside_a_value_never_glue_words():
    html = result_page(
        ruc_row(),
        row("Domicilio Fiscal:", text("AV. JAVIER PRADO NRO. 100<br>LIMA - LIMA - SAN ISIDRO")),
    )
    data = parse_ruc_page(html)
    assert data["direccion"] == "AV. JAVIER PRADO NRO. 100 LIMA - LIMA - SAN ISIDRO"
    assert (data["departamento"], data["provincia"], data["distrito"]) == ("LIMA", "LIMA", "SAN ISIDRO")


def test_missing_rows_leave_none_and_empty_lists():
    data = parse_ruc_page(result_page(ruc_row()))
    assert data["ruc"] == "20100070970"
    assert data["razonSocial"] == "SUPERMERCADOS PERUANOS SOCIEDAD ANONIMA"
    assert all(data[key] is None for key in ("estado", "direccion", "fechaInscripcion", "tipoDocumento",
                                             "numeroDocumento"))
    assert all(data[key] == [] for key in ("comprobantesPago", "sistemaEmisionElectronica", "padrones"))


# Page classification and messages ---------------------------------------------

@pytest.mark.parametrize("name, kind", [
    (COMPANY_2025, PageKind.RESULT),
    (PERSON_2026, PageKind.RESULT),
    (REGION_2021, PageKind.RESULT),
    (TWO_DOCUMENTS_2021, PageKind.RESULT),
    (BAJA_2021, PageKind.RESULT),
    (PERSON_2021, PageKind.RESULT),
    ("consPorRazonSoc_list_2021.html", PageKind.UNKNOWN),
    ("consPorRazonSoc_list_redacted_2026.html", PageKind.UNKNOWN),
])
def test_classify_every_captured_page(name, kind):
    assert classify_page(read_page(name)) is kind


def test_every_captured_page_is_classified():
    assert {path.name for path in PAGES.glob("*.html")} == set(RESULT_PAGES) | set(LIST_PAGES)


@pytest.mark.parametrize("html, kind", [
    (FIREWALL_PAGE, PageKind.REJECTED),
    ("<html><body>The requested URL was rejected.</body></html>", PageKind.REJECTED),
    (ERROR_PAGE, PageKind.ERROR),
    (MENSAJES_PAGE, PageKind.ERROR),
    (BARE_MENSAJES_PAGE, PageKind.ERROR),
    (NOT_FOUND_ENTITIES_PAGE, PageKind.NOT_FOUND),
    (NOT_FOUND_LATIN1_PAGE, PageKind.NOT_FOUND),
    (NOT_FOUND_IN_MENSAJES_PAGE, PageKind.NOT_FOUND),
    (UNKNOWN_PAGE, PageKind.UNKNOWN),
    ("", PageKind.UNKNOWN),
    ("<!-- only a comment -->", PageKind.UNKNOWN),
])
def test_classify_hand_written_pages(html, kind):
    assert classify_page(html) is kind


@pytest.mark.parametrize("html, message", [
    (FIREWALL_PAGE, (
        "The requested URL was rejected. Please consult with your administrator. "
        "Your support ID is: 4478215519923370123"
    )),
    (ERROR_PAGE, "Surgieron problemas al procesar la consulta"),
    (MENSAJES_PAGE, "Su sesión ha expirado."),
    (BARE_MENSAJES_PAGE, "El sistema no puede atender su consulta."),
    (NOT_FOUND_ENTITIES_PAGE, (
        "El número de RUC 20607105615 consultado no es válido. Debe verificar el número y volver a ingresar."
    )),
    (NOT_FOUND_LATIN1_PAGE, (
        "El número de RUC 20000000001 consultado no es válido. Debe verificar el número y volver a ingresar."
    )),
    (NOT_FOUND_IN_MENSAJES_PAGE, (
        "El número de RUC 20000000001 consultado no es válido. Debe verificar el número y volver a ingresar."
    )),
])
def test_error_message_on_error_pages(html, message):
    assert error_message(html) == message


@pytest.mark.parametrize("html", [
    UNKNOWN_PAGE,
    "",
    read_page(COMPANY_2025),
    read_page(LIST_PAGES[0]),
    "<html><head><title>.:: Pagina de Error ::.</title></head><body></body></html>",
])
def test_error_message_is_none_without_a_message(html):
    assert error_message(html) is None


# Field helpers ---------------------------------------------------------------------

@pytest.mark.parametrize("address, parts", [
    ("AV. LEON VELARDE NRO. 10 MADRE DE DIOS - TAMBOPATA - TAMBOPATA", ("MADRE DE DIOS", "TAMBOPATA", "TAMBOPATA")),
    (
        "AV. GUARDIA CHALACA NRO. 1 PROV. CONST. DEL CALLAO - PROV. CONST. DEL CALLAO - BELLAVISTA",
        ("PROV. CONST. DEL CALLAO", "PROV. CONST. DEL CALLAO", "BELLAVISTA"),
    ),
    ("AV. SAENZ PEÑA NRO. 5 CALLAO - CALLAO - CALLAO", ("CALLAO", "CALLAO", "CALLAO")),
    ("CAL. LOS PINOS NRO. 3 LA LIBERTAD - TRUJILLO - VICTOR LARCO HERRERA", ("LA LIBERTAD", "TRUJILLO", "VICTOR LARCO HERRERA")),
    ("JR. AREQUIPA NRO. 1085 HUANUCO - LEONCIO PRADO - RUPA-RUPA", ("HUANUCO", "LEONCIO PRADO", "RUPA-RUPA")),
    ("AV. REAL NRO. 1 JUNÍN   -   HUANCAYO  -  EL TAMBO", ("JUNÍN", "HUANCAYO", "EL TAMBO")),
    ("JR. X - Y NRO. 2 SAN MARTIN - SAN MARTIN - TARAPOTO", ("SAN MARTIN", "SAN MARTIN", "TARAPOTO")),
])
def test_split_address_reads_departamento_provincia_distrito(address, parts):
    assert split_address(address) == parts


@pytest.mark.parametrize("address", [
    "AV. SIN UBIGEO NRO. 1 LIMA - LIMA",  # too few separators
    "AV. LOS OLIVOS NRO. 1",
    "AV. X NRO. 1 NARNIA - A - B",  # no department
    "URB. SANTA MONICA - ICA - ICA",  # "MONICA" does not end in the word ICA
    "AV. RUPA-RUPA NRO. 1 LIMA-LIMA-LIMA",  # hyphens without spaces don't separate
    "",
    None,
])
def test_split_address_does_not_guess(address):
    assert split_address(address) == (None, None, None)


@pytest.mark.parametrize("cell, expected", [
    ("BAJA DE OFICIO\n   FECHA DE BAJA: 31/12/2019", ("BAJA DE OFICIO", "2019-12-31")),
    ("BAJA DE OFICIO Fecha de Baja:\n\n 31/10/2016", ("BAJA DE OFICIO", "2016-10-31")),
    ("BAJA DEFINITIVA\n 15/03/2020", ("BAJA DEFINITIVA", "2020-03-15")),
    ("SUSPENSION TEMPORAL", ("SUSPENSION TEMPORAL", None)),
    ("  ACTIVO \n\n ", ("ACTIVO", None)),
    ("-", (None, None)),
])
def test_split_estado(cell, expected):
    assert split_estado(cell) == expected
