"""What the sub-pages show: legal representatives (getRepLeg) and workers per period (getCantTrab).

Only companies (RUC 20...) have rows here; persons and the RUCs in
``config.no_subpage_info`` get SUNAT's "no information" variant instead.
Everything derives from the RUC (``random.Random`` with a str seed is stable
across runs), so a RUC always gets the same rows.
"""

import random
from dataclasses import dataclass
from datetime import date

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
# The newest period a replica company has declared; fixed so pages never depend on today.
LAST_PERIOD = (2025, 12)


@dataclass(frozen=True)
class Representative:
    tipo_documento: str  # "DNI" or "CE"
    numero_documento: str
    nombre: str  # "PATERNO MATERNO NOMBRES", as SUNAT writes it
    cargo: str
    fecha_desde: date


@dataclass(frozen=True)
class WorkerPeriod:
    year: int
    month: int
    # Cell texts as shown: digits, or "NE" / "-" where SUNAT gives no count.
    trabajadores: str
    pensionistas: str
    prestadores: str

    @property
    def periodo(self):
        return f"{self.year:04d}-{self.month:02d}"


def has_rows(ruc):
    """Companies have representatives and workers; persons (10...) and the rest do not."""
    return ruc.startswith("20")


def representatives(ruc):
    """1 to 3 representatives, the GERENTE GENERAL first."""
    rng = random.Random(f"getRepLeg:{ruc}")
    count = rng.randint(1, 3)
    return [_representative(rng, FIRST_CARGO if index == 0 else rng.choice(OTHER_CARGOS))
            for index in range(count)]


def _representative(rng, cargo):
    if rng.random() < 0.8:
        tipo, numero = "DNI", f"{rng.randrange(10**8):08d}"
    else:
        # Carné de extranjería numbers have 9 digits, DNIs 8.
        tipo, numero = "CE", f"{rng.randrange(10**9):09d}"
    given = rng.sample(rng.choice(GIVEN_NAMES), rng.randint(1, 2))
    nombre = " ".join([rng.choice(PATERNAL_SURNAMES), rng.choice(MATERNAL_SURNAMES), *given])
    fecha = date(rng.randint(2005, 2024), rng.randint(1, 12), rng.randint(1, 28))
    return Representative(tipo, numero, nombre, cargo, fecha)


def worker_periods(ruc):
    """1 to 12 consecutive monthly periods ending at LAST_PERIOD, oldest first.

    Oldest first because the public clients found read the newest period from
    the last row of the table.
    """
    rng = random.Random(f"getCantTrab:{ruc}")
    count = rng.randint(1, 12)
    staff = rng.randint(1, 250)
    periods = []
    for back in reversed(range(count)):
        year, month = _months_before(LAST_PERIOD, back)
        staff = max(0, staff + rng.randint(-5, 5))
        periods.append(WorkerPeriod(
            year, month,
            trabajadores=_count_cell(rng, staff, missing=0.05),
            pensionistas=_count_cell(rng, rng.choice((0, 0, 0, 1, 2)), missing=0.15),
            prestadores=_count_cell(rng, rng.randint(0, 40), missing=0.15),
        ))
    return periods


def _months_before(period, months):
    year, month = period
    index = year * 12 + (month - 1) - months
    return index // 12, index % 12 + 1


def _count_cell(rng, value, missing):
    """The count as a cell text; now and then "NE" (no especificado) or "-" instead."""
    roll = rng.random()
    if roll < missing / 2:
        return "NE"
    if roll < missing:
        return "-"
    return str(value)
