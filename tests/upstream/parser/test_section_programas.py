"""The yes/no sub-pages getReactivaPeru and getPGarantiaCOVID19 (deuda en cobranza coactiva of the
state-guaranteed loan programs): the replica's pages parse to what it generated; hand-written pages
cover SÍ with an accent, answers told by the label's class only, entities, missing lines.
"""


import jsonschema_rs
import pytest

from devtools.replica import PERSON_RUC, ReplicaConfig, make_ruc, templates
from devtools.replica.subpages import programa_covid19, reactiva_peru
from sunat.upstream.parser import ParseError
from sunat.upstream.parser.programa_covid19 import SECTION as COVID
from sunat.upstream.parser.programa_covid19 import parse_programa_covid19
from sunat.upstream.parser.reactiva_peru import SECTION as REACTIVA
from sunat.upstream.parser.reactiva_peru import parse_reactiva_peru
from sunat.upstream.sections import SECTIONS
from tests.support.replica_pages import CATALOG, replica_page, served_sub_pages

pytestmark = pytest.mark.standalone

COMPANY_RUC = "20573215045"  # captured 2025 company page: both buttons
PUBLIC_BODY_RUC = "20440374248"  # captured 2021 page of a public body: neither button
PERSON_2021_RUC = "10401510465"
SYNTHETIC_RUCS = [make_ruc(f"20600{n:05d}") for n in range(40)]
PROGRAMS = {
    "getReactivaPeru": (reactiva_peru, parse_reactiva_peru),
    "getPGarantiaCOVID19": (programa_covid19, parse_programa_covid19),
}



def expected(module, ruc, config=None, offered=True):
    said = module.answer(ruc, config or ReplicaConfig(), offered)
    return {"tieneDeudaCoactiva": said.owes, "actualizadoAl": said.updated_at.isoformat(),
            "referenciaLegal": said.legal_reference}


def validator(section):
    """The section's value schema, its components alongside so that its $refs resolve."""
    components = {name: schema for s in SECTIONS.values() for name, schema in s.schemas.items()}
    return jsonschema_rs.Draft202012Validator({**section.value_schema, "components": {"schemas": components}})


# -- the replica's pages -------------------------------------------------------------


@pytest.mark.parametrize("accion", PROGRAMS)
@pytest.mark.parametrize("ruc", SYNTHETIC_RUCS)
def test_synthetic_companies_parse_to_what_the_replica_generated(ruc, accion):
    module, parse = PROGRAMS[accion]
    parsed = parse(replica_page(accion, ruc))

    assert parsed == expected(module, ruc)
    validator(REACTIVA if module is reactiva_peru else COVID).validate(parsed)


@pytest.mark.parametrize("module", [reactiva_peru, programa_covid19], ids=["reactiva", "covid"])
def test_some_companies_owe_and_most_do_not(module):
    owing = [module.answer(ruc, ReplicaConfig()).owes for ruc in SYNTHETIC_RUCS]

    assert 1 <= sum(owing) <= len(owing) // 3


def test_the_replica_page_marks_the_answer_like_sunat():
    ruc = next(ruc for ruc in SYNTHETIC_RUCS if reactiva_peru.answer(ruc, ReplicaConfig()).owes)
    other = next(ruc for ruc in SYNTHETIC_RUCS if not reactiva_peru.answer(ruc, ReplicaConfig()).owes)

    assert '<span class="label label-danger">SI</span></h4>' in replica_page("getReactivaPeru", ruc)
    assert '<span class="label label-success">NO</span></h4>' in replica_page("getReactivaPeru", other)
    assert parse_reactiva_peru(replica_page("getReactivaPeru", ruc))["tieneDeudaCoactiva"] is True


@pytest.mark.parametrize("accion", PROGRAMS)
@pytest.mark.parametrize("ruc", [PERSON_RUC, PERSON_2021_RUC, PUBLIC_BODY_RUC])
def test_rucs_without_the_button_still_get_a_page_that_says_no(ruc, accion):
    module, parse = PROGRAMS[accion]

    assert not CATALOG.offers(ruc, module.PAGE)
    assert parse(replica_page(accion, ruc)) == expected(module, ruc, offered=False)
    assert module.answer(ruc, ReplicaConfig(), offered=False).owes is False


@pytest.mark.parametrize("accion", PROGRAMS)
def test_no_subpage_info_makes_every_company_say_no(accion):
    module, parse = PROGRAMS[accion]
    config = ReplicaConfig(no_subpage_info={COMPANY_RUC, *SYNTHETIC_RUCS})

    assert CATALOG.offers(COMPANY_RUC, module.PAGE)
    for ruc in (COMPANY_RUC, *SYNTHETIC_RUCS):
        assert parse(replica_page(accion, ruc, config))["tieneDeudaCoactiva"] is False


def test_pages_fetched_from_a_running_replica_are_iso_8859_1_and_parse():
    reactiva, covid = served_sub_pages(COMPANY_RUC, "EMPRESA ÑANDÚ S.A.", PROGRAMS)

    for response in (reactiva, covid):
        assert response.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
        assert b"\xc3" not in response.content  # no UTF-8 anywhere
        assert b"- EMPRESA \xd1AND\xda S.A.</h4>" in response.content
        assert b"N\xb0 " in response.content  # the legal reference's ° as Latin-1
    assert b"<h4 class=\"text-center\">Reactiva Per\xfa de 20573215045" in reactiva.content
    assert parse_reactiva_peru(reactiva.text) == expected(reactiva_peru, COMPANY_RUC)
    assert parse_programa_covid19(covid.text) == expected(programa_covid19, COMPANY_RUC)


# -- hand-written pages -----------------------------------------------------------------

REACTIVA_TITLE = "<h3>REACTIVA PER&Uacute; DE 20606316977 - FERNANDEZ CONSULTORES SG &amp; ASOCIADOS EIRL</h3>"
COVID_TITLE = "<h3>PROGRAMA DE GARANTÍAS COVID-19 DE 20606316977 - FERNANDEZ CONSULTORES SG &amp; ASOCIADOS EIRL</h3>"


def page(title, body):
    return (f'<html><head><title>SUNAT - Consulta RUC</title></head><body>{title}'
            f'<div class="panel panel-primary"><div class="list-group"><div class="list-group-item">{body}'
            '</div></div></div><button class="btnNuevaConsulta">Volver</button></body></html>')


@pytest.mark.parametrize("label, owes", [
    ('<span class="label label-danger">SÍ</span>', True),
    ('<span class="label label-danger">S&Iacute;</span>', True),
    ('<span class="label label-danger"> si </span>', True),
    ('<span class="label label-success">NO</span>', False),
    ('<span class="label label-danger"></span>', True),  # the class alone tells
    ('<span class="label label-success">&nbsp;</span>', False),
    ('<span class="label label-success">SI</span>', True),  # the text wins over the colour
])
def test_the_answer_is_read_from_the_label_text_or_its_class(label, owes):
    question = f"<h4>&#191;Tiene deuda en cobranza coactiva mayor a una (1) UIT&#63; {label}</h4>"

    assert parse_reactiva_peru(page(REACTIVA_TITLE, question)) == {
        "tieneDeudaCoactiva": owes, "actualizadoAl": None, "referenciaLegal": None,
    }
    assert parse_programa_covid19(page(COVID_TITLE, question))["tieneDeudaCoactiva"] is owes


def test_date_and_legal_reference_are_read_from_their_lines():
    body = (
        '<h4>¿Tiene deuda en cobranza coactiva mayor a una (1) UIT? <span class="label label-default">?</span>'
        ' <span class="label label-success">NO</span></h4>'
        "<h5>Esta informaci&oacute;n est&aacute; actualizada al 7/3/2024.</h5>"
        "<div><h5>Seg&uacute;n lo dispuesto en la <strong>Ley N&deg; 31050</strong>,\n   y normas modificatorias</h5></div>"
    )

    assert parse_programa_covid19(page(COVID_TITLE, body)) == {
        "tieneDeudaCoactiva": False, "actualizadoAl": "2024-03-07",
        "referenciaLegal": "Según lo dispuesto en la Ley N° 31050 , y normas modificatorias",
    }
    reactiva = body.replace("Ley N&deg; 31050", "Decreto Legislativo Nº 1455")
    assert parse_reactiva_peru(page(REACTIVA_TITLE, reactiva))["referenciaLegal"] == (
        "Según lo dispuesto en la Decreto Legislativo Nº 1455 , y normas modificatorias"
    )


@pytest.mark.parametrize("body", [
    "<h4>¿Tiene deuda en cobranza coactiva mayor a una (1) UIT?</h4><h5>Actualizada al 01/01/2025</h5>",
    '<h4>¿Tiene deuda?</h4><span class="badge">SI</span>',
    '<h4>¿Tiene deuda?</h4><span class="label label-default">PENDIENTE</span>',
    '<form><span class="label label-danger">SI</span></form>',
], ids=["no-label", "not-a-label", "neither-text-nor-colour", "inside-a-form"])
def test_a_page_without_a_si_no_label_raises_parse_error(body):
    with pytest.raises(ParseError):
        parse_reactiva_peru(page(REACTIVA_TITLE, body))
    with pytest.raises(ParseError):
        parse_programa_covid19(page(COVID_TITLE, body))


def test_each_program_refuses_the_other_programs_page():
    label = '<h4>¿Tiene deuda? <span class="label label-success">NO</span></h4>'
    for ruc in (COMPANY_RUC, PERSON_RUC):
        with pytest.raises(ParseError, match="COVID"):
            parse_programa_covid19(replica_page("getReactivaPeru", ruc))
        with pytest.raises(ParseError, match="Reactiva"):
            parse_reactiva_peru(replica_page("getPGarantiaCOVID19", ruc))
    with pytest.raises(ParseError):
        parse_reactiva_peru(page("<h3>DEUDA COACTIVA DE 20606316977 - X</h3>", label))


NOT_SUB_PAGES = {
    "empty": "",
    "blank": "  \n ",
    "firewall": templates.rejected_page("4478215519923370123"),
    "error": templates.error_page(),
    "not-found": templates.invalid_ruc_page("20000000001"),
    "company-result": CATALOG.result_page(COMPANY_RUC, ReplicaConfig()),
    "synthetic-result": CATALOG.result_page(SYNTHETIC_RUCS[0], ReplicaConfig()),
    "old-layout": templates.old_layout_page(COMPANY_RUC, "LEAD WORKING PARTNER SAC"),
    "representatives": replica_page("getRepLeg", COMPANY_RUC),
    "actas": replica_page("getActPro", COMPANY_RUC),
    "facturas": replica_page("getActCPF", COMPANY_RUC),
}


@pytest.mark.parametrize("html", NOT_SUB_PAGES.values(), ids=NOT_SUB_PAGES.keys())
def test_pages_that_are_no_such_sub_page_raise_parse_error(html):
    with pytest.raises(ParseError):
        parse_reactiva_peru(html)
    with pytest.raises(ParseError):
        parse_programa_covid19(html)


@pytest.mark.parametrize("section", [REACTIVA, COVID], ids=["reactiva", "covid"])
def test_value_schema_allows_the_object_or_null(section):
    check = validator(section)

    assert section.empty() is None
    check.validate(section.empty())
    check.validate({"tieneDeudaCoactiva": True, "actualizadoAl": None, "referenciaLegal": None})
    assert not check.is_valid({"tieneDeudaCoactiva": None, "actualizadoAl": None, "referenciaLegal": None})
    assert not check.is_valid({"tieneDeudaCoactiva": True})
    assert not check.is_valid([])
