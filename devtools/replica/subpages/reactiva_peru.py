"""accion=getReactivaPeru: Reactiva Perú, deuda en cobranza coactiva (the result page's formActReaPeru).

A yes/no page; its structure and sources are in coactiva_programa. The legal reference (Decreto
Legislativo N° 1455, which created the program) is the replica's wording: no source quotes it.
Companies get the button (the 2025 and 2021 company captures have it; public bodies and persons not).
"""

from datetime import date

from devtools.replica.subpages import coactiva_programa
from devtools.replica.subpages.common import SubPage, is_company

ACCION = "getReactivaPeru"
PROGRAM = coactiva_programa.Program(
    accion=ACCION,
    subject="Reactiva Perú",
    legal_reference=("Informaci&oacute;n seg&uacute;n el Decreto Legislativo N° 1455, que crea el Programa "
                     "Reactiva Perú para asegurar la continuidad en la cadena de pagos ante el impacto del COVID-19."),
    updated_at=date(2025, 11, 30),
    owing_share=0.15,
)


def answer(ruc, config, offered=True):
    return coactiva_programa.answer(PROGRAM, ruc, config, offered)


def render(ruc, name, config, offered=True):
    return coactiva_programa.render(PROGRAM, ruc, name, config, offered)


PAGE = SubPage(
    accion=ACCION, form="formActReaPeru", button_class="btnInfReaPer", button_text="Reactiva Perú : Deuda en cobranza coactiva",
    ruc_first=False, applies=is_company, render=render,
)
