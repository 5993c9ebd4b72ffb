"""accion=getPGarantiaCOVID19: Programa de Garantías COVID-19, deuda en cobranza coactiva (the result
page's formCovid).

A yes/no page; its structure and sources are in coactiva_programa. The legal reference (Ley N°
31050, a public Go scraper's guess "puede ser Ley N° 31050 o similar") is the replica's wording.
Companies get the button, like Reactiva Perú.
"""

from datetime import date

from devtools.replica.subpages import coactiva_programa
from devtools.replica.subpages.common import SubPage, is_company

ACCION = "getPGarantiaCOVID19"
PROGRAM = coactiva_programa.Program(
    accion=ACCION,
    subject="Programa de Garant&iacute;as COVID-19",
    legal_reference=("Ley N° 31050, Ley que establece medidas extraordinarias para la reprogramaci&oacute;n y "
                     "congelamiento de deudas a fin de aliviar la econom&iacute;a de las personas naturales y las "
                     "MYPES como consecuencia del COVID-19."),
    updated_at=date(2025, 11, 30),
    owing_share=0.1,
)


def answer(ruc, config, offered=True):
    return coactiva_programa.answer(PROGRAM, ruc, config, offered)


def render(ruc, name, config, offered=True):
    return coactiva_programa.render(PROGRAM, ruc, name, config, offered)


PAGE = SubPage(
    accion=ACCION, form="formCovid", button_class="btnInfCovid", button_text="Programa de garantías COVID_19 : Deuda en cobranza coactiva",
    ruc_first=False, applies=is_company, render=render,
)
