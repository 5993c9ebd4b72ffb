"""accion=getRepLeg: the legal representatives (the result page's formRepLeg).

Columns as public clients read them (Documento | Nro. Documento | Nombre | Cargo | Fecha Desde;
rafram96/InfoObras src/scraping/sunat.py describes a dump of the live page with them). Companies
get 1 to 3 representatives; persons and ``config.no_subpage_info`` the "no information" variant.
"""

from dataclasses import dataclass
from datetime import date

from devtools.replica import templates
from devtools.replica.subpages.common import (
    SubPage,
    document,
    is_company,
    message,
    rng,
    says_no_information,
    table_rows,
)

ACCION = "getRepLeg"
SUBJECT = "Representantes Legales"
# An entity in one message and literal Latin-1 elsewhere, like SUNAT's mix.
NO_INFORMATION = "No existe informaci&oacute;n de Representantes Legales."

# Paternal surnames all carry a Latin-1 letter, so every name exercises the encoding.
PATERNAL_SURNAMES = (
    "NÚÑEZ", "PEÑA", "MUÑOZ", "IBÁÑEZ", "GÓMEZ", "CASTAÑEDA", "ZÚÑIGA", "BRICEÑO",
    "RODRÍGUEZ", "HUAMÁN", "ORDÓÑEZ", "SÁNCHEZ",
)
MATERNAL_SURNAMES = ("QUISPE", "MAMANI", "FLORES", "VILLANUEVA", "YAÑEZ", "DÍAZ", "CHÁVEZ", "TORRES")
# Two lists, so that one person's given names never mix.
GIVEN_NAMES = (
    ("JOSÉ", "RENÉ", "JESÚS", "ÁNGEL", "LUIS", "RAÚL", "HÉCTOR", "JUAN", "MARTÍN"),
    ("MARÍA", "INÉS", "CARMEN", "SOFÍA", "ROCÍO", "ANA", "LUCÍA", "BEATRIZ", "NOEMÍ"),
)
FIRST_CARGO = "GERENTE GENERAL"
OTHER_CARGOS = (
    "APODERADO", "GERENTE", "SUB GERENTE", "PRESIDENTE DE DIRECTORIO", "DIRECTOR",
    "ADMINISTRADOR", "APODERADO ESPECIAL",
)


@dataclass(frozen=True)
class Representative:
    tipo_documento: str  # "DNI" or "CE"
    numero_documento: str
    nombre: str  # "PATERNO MATERNO NOMBRES", as SUNAT writes it
    cargo: str
    fecha_desde: date


def representatives(ruc):
    """1 to 3 representatives, the GERENTE GENERAL first."""
    random = rng(ACCION, ruc)
    count = random.randint(1, 3)
    return [_representative(random, FIRST_CARGO if index == 0 else random.choice(OTHER_CARGOS))
            for index in range(count)]


def _representative(random, cargo):
    if random.random() < 0.8:
        tipo, numero = "DNI", f"{random.randrange(10**8):08d}"
    else:
        # Carné de extranjería numbers have 9 digits, DNIs 8.
        tipo, numero = "CE", f"{random.randrange(10**9):09d}"
    given = random.sample(random.choice(GIVEN_NAMES), random.randint(1, 2))
    nombre = " ".join([random.choice(PATERNAL_SURNAMES), random.choice(MATERNAL_SURNAMES), *given])
    fecha = date(random.randint(2005, 2024), random.randint(1, 12), random.randint(1, 28))
    return Representative(tipo, numero, nombre, cargo, fecha)


def page(ruc, name, representatives_shown):
    """The table of ``representatives_shown``, or the "no information" page if empty."""
    if not representatives_shown:
        content = message(NO_INFORMATION)
    else:
        rows = [(rep.tipo_documento, rep.numero_documento, rep.nombre, rep.cargo, f"{rep.fecha_desde:%d/%m/%Y}")
                for rep in representatives_shown]
        content = templates.render("rep_leg_table.html", rows=table_rows(rows))
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def render(ruc, name, config, offered=True):
    return page(ruc, name, [] if says_no_information(ruc, config) else representatives(ruc))


PAGE = SubPage(
    accion=ACCION, form="formRepLeg", button_class="btnInfRepLeg", button_text="Representante(s) Legal(es)",
    ruc_first=False, applies=is_company, render=render,
)
