"""The ficha's condición and documento read right: NO HABIDO's notice, every condición SUNAT uses,
and a person's "DNI 07654321 - APELLIDOS, NOMBRES" split into tipo and número."""

import pytest

from sunat.upstream.parser import parse_ruc_page
from sunat.upstream.parser.ficha import CONDICIONES, split_documento, upgrade
from tests.upstream.parser.test_parser import result_page, row, ruc_row, text

pytestmark = pytest.mark.standalone

NOTICE = ("Deber&aacute; declarar el nuevo domicilio fiscal o confirmar el se&ntilde;alado en el RUC. Para ello, "
          "deber&aacute; acercarse a los Centros de Servicios al Contribuyente con los documentos que sustenten "
          "el nuevo domicilio.")
CONDITION_LABEL = "Condici&oacute;n del Contribuyente:"


def condicion_of(cell_html):
    return parse_ruc_page(result_page(ruc_row(), row(CONDITION_LABEL, cell_html)))["condicion"]


@pytest.mark.parametrize("cell", [
    text(f"\n    NO HABIDO\n    <br>\n    {NOTICE}\n"),  # the notice on a line of its own
    text(f"NO HABIDO {NOTICE}"),  # in the same text
    text(f"NO HABIDO<br><span class=\"text-danger\">{NOTICE}</span>"),
    text(f'<a target="_blank" href="http://www.sunat.gob.pe/orientacion/Nohallados/index.html" '
         f'title="{NOTICE}">NO HABIDO</a>'),  # the older layout: the notice in a link's title
    text(f"<strong>NO HABIDO</strong></br>{NOTICE}"),
], ids=["line-break", "same-line", "span", "link-title", "strong"])
def test_no_habido_is_exactly_no_habido_whatever_follows(cell):
    assert condicion_of(cell) == "NO HABIDO"


@pytest.mark.parametrize("condicion", CONDICIONES)
def test_every_condicion_is_read_alone_and_with_a_notice(condicion):
    assert condicion_of(text(condicion)) == condicion
    assert condicion_of(text(f"{condicion}<br>{NOTICE}")) == condicion
    assert condicion_of(text(f"  {condicion} {NOTICE}  ")) == condicion


def test_an_unknown_condicion_is_its_first_line():
    assert condicion_of(text("EN VERIFICACION ESPECIAL<br>Vea el detalle")) == "EN VERIFICACION ESPECIAL"


def test_a_dash_condicion_is_none():
    assert condicion_of(text("-")) is None


@pytest.mark.parametrize("cell, expected", [
    ("DNI  07654321 \n        - PEREZ , JUAN", ("DNI", "07654321")),
    ("DNI 40151046 - QUISPE MAMANI, ROSA", ("DNI", "40151046")),
    ("CARNET EXT. 001234567 - SMITH, JOHN", ("CARNET EXT.", "001234567")),
    ("PASAPORTE AB1234567 - DOE, JANE", ("PASAPORTE", "AB1234567")),
    ("DNI 07654321 - GARCIA-PEREZ, ANA MARIA", ("DNI", "07654321")),  # a hyphen in the name
    ("DOC. TRIB. NO DOM. SIN RUC", ("DOC. TRIB. NO DOM. SIN RUC", None)),
    ("-", (None, None)),
    ("", (None, None)),
])
def test_split_documento(cell, expected):
    assert split_documento(cell) == expected


def test_a_persons_page_answers_tipo_and_numero_and_keeps_the_name_in_razon_social():
    page = result_page(
        ruc_row("10076543210", "PEREZ GARCIA JUAN"),
        row("Tipo de Documento:", text("DNI  07654321 \n   - PEREZ GARCIA, JUAN")),
    )
    data = parse_ruc_page(page)

    assert (data["tipoDocumento"], data["numeroDocumento"]) == ("DNI", "07654321")
    assert data["razonSocial"] == "PEREZ GARCIA JUAN"


def test_a_company_has_no_document():
    data = parse_ruc_page(result_page(ruc_row()))
    assert (data["tipoDocumento"], data["numeroDocumento"]) == (None, None)


def test_an_answer_stored_before_the_split_is_upgraded_to_it():
    old = {"ruc": "10076543210", "tipoDocumento": "DNI 07654321 - PEREZ GARCIA, JUAN", "condicion": "NO HABIDO "
           "Deberá declarar el nuevo domicilio fiscal", "departamento": "LIMA", "provincia": "LIMA",
           "distrito": "MIRAFLORES"}

    data = upgrade(old)

    assert (data["tipoDocumento"], data["numeroDocumento"]) == ("DNI", "07654321")
    assert data["condicion"] == "NO HABIDO" and data["ubigeo"] == "150122"
    assert old["tipoDocumento"].startswith("DNI 0")  # the stored one is left alone
