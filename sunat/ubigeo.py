"""Peru's districts by INEI ubigeo, and the code for an address as SUNAT prints it.

A ubigeo is six digits: two for the departamento, two for the provincia, two for
the distrito. INEI's codes are used, not RENIEC's, which number many districts
differently.

data/ubigeo_inei.csv holds one row per district (1,890 districts, 196 provinces,
25 departamentos, 01 AMAZONAS to 25 UCAYALI, 07 being CALLAO). The publisher is
INEI; the rows were taken from the columns inei, departamento, provincia and
distrito of ubigeo_distrito.csv in the repository jmcastagnetto/ubigeo-peru-aumentado
(commit 5e98222bb010243592ae02bfafb0a3658d6c4bd8), which compiles INEI's list
with MINSA's REUNIS and CEPLAN's tables. Names are upper case without accent
marks, keeping Ñ, as in that file; the one accented name there (UNION ASHÁNINKA)
lost its accent to match the rest. Left out: a row with no INEI code (a RENIEC-only
district), and 160109 PUTUMAYO and 160114 TENIENTE MANUEL CLAVERO, Maynas codes
superseded by the Putumayo province (160801 and 160803) created in 2014.
"""

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "ubigeo_inei.csv"

# How SUNAT's pages name the Callao departamento (and sometimes its provincia).
_CALLAO_NAMES = {"PROV. CONST. DEL CALLAO", "PROVINCIA CONSTITUCIONAL DEL CALLAO"}


@dataclass(frozen=True)
class District:
    ubigeo: str
    departamento: str
    provincia: str
    distrito: str


@functools.cache
def districts() -> tuple[District, ...]:
    """Every district in the list, in code order."""
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        return tuple(District(**row) for row in csv.DictReader(f))


@functools.cache
def _by_code() -> dict[str, District]:
    return {d.ubigeo: d for d in districts()}


@functools.cache
def _by_names() -> dict[tuple[str, str, str], str]:
    return {
        (_normalize(d.departamento), _normalize(d.provincia), _normalize(d.distrito)): d.ubigeo
        for d in districts()
    }


def _normalize(name: str) -> str:
    """Upper case, accents dropped (Ñ too, so it matches N), single spaces, none around hyphens or after dots."""
    text = unicodedata.normalize("NFKD", name.upper())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"\.\s*", ". ", text)
    text = " ".join(text.split())
    return "CALLAO" if text in _CALLAO_NAMES else text


def district(code: str) -> District | None:
    """The district with this ubigeo, or None if there is none (unknown, malformed, "-")."""
    if not isinstance(code, str):
        return None
    return _by_code().get(code.strip())


def ubigeo_for(departamento: str | None, provincia: str | None, distrito: str | None) -> str | None:
    """The ubigeo of the district with these names, or None if a name is missing or nothing matches."""
    parts = []
    for name in (departamento, provincia, distrito):
        if not isinstance(name, str):
            return None
        name = _normalize(name)
        if name in ("", "-"):
            return None
        parts.append(name)
    return _by_names().get(tuple(parts))
