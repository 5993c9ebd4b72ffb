import re

import pytest

from sunat import ubigeo
from sunat.ubigeo import District, district, ubigeo_for
from sunat.upstream.parser import parse_ruc_page
from tests.support.paths import REPLICA_PAGES

# Plain functions over a file in the package: no database, no cache.
pytestmark = pytest.mark.standalone

PAGES = REPLICA_PAGES


# The list -------------------------------------------------------------------

def test_list_has_every_departamento_and_about_1890_districts():
    codes = [d.ubigeo for d in ubigeo.districts()]
    assert 1880 <= len(codes) <= 1900
    assert sorted({c[:2] for c in codes}) == [f"{n:02d}" for n in range(1, 26)]
    assert len({c[:4] for c in codes}) == 196


def test_codes_are_unique_six_digits_in_order():
    codes = [d.ubigeo for d in ubigeo.districts()]
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)


def test_each_departamento_and_provincia_code_has_one_name():
    departamentos, provincias = {}, {}
    for d in ubigeo.districts():
        assert departamentos.setdefault(d.ubigeo[:2], d.departamento) == d.departamento
        assert provincias.setdefault(d.ubigeo[:4], d.provincia) == d.provincia
    assert departamentos["07"] == "CALLAO"
    assert departamentos["15"] == "LIMA"


def test_names_are_upper_case_without_accents_but_with_enie():
    names = {n for d in ubigeo.districts() for n in (d.departamento, d.provincia, d.distrito)}
    assert all(n == n.upper() == n.strip() for n in names)
    assert not any(set(n) & set("ÁÉÍÓÚÜáéíóú") for n in names)
    assert "NEPEÑA" in names


def test_recent_districts_and_provinces_are_in_the_list():
    assert district("160801") == District("160801", "LORETO", "PUTUMAYO", "PUTUMAYO")
    assert district("160804").distrito == "YAGUAS"
    assert district("250305").distrito == "ALEXANDER VON HUMBOLDT"
    # Putumayo and Teniente Manuel Clavero under their pre-2014 Maynas codes are gone.
    assert district("160109") is None
    assert district("160114") is None


# district() -----------------------------------------------------------------

def test_district_150101_is_lima_lima_lima():
    assert district("150101") == District("150101", "LIMA", "LIMA", "LIMA")


def test_district_of_callao_and_a_hyphenated_name():
    assert district("070101") == District("070101", "CALLAO", "CALLAO", "CALLAO")
    assert district("100601") == District("100601", "HUANUCO", "LEONCIO PRADO", "RUPA-RUPA")


def test_district_is_frozen():
    with pytest.raises(AttributeError):
        district("150101").distrito = "MIRAFLORES"


@pytest.mark.parametrize("code", ["999999", "150100", "15010", "1501011", "-", "", "LIMA", "15O101", None, 150101])
def test_district_of_unknown_or_malformed_code_is_none(code):
    assert district(code) is None


# ubigeo_for() ---------------------------------------------------------------

def test_ubigeo_for_lima():
    assert ubigeo_for("LIMA", "LIMA", "LIMA") == "150101"
    assert ubigeo_for("LIMA", "LIMA", "MIRAFLORES") == "150122"
    assert ubigeo_for("AREQUIPA", "AREQUIPA", "MIRAFLORES") == "040110"


@pytest.mark.parametrize("departamento, provincia, distrito, code", [
    ("PROV. CONST. DEL CALLAO", "PROV. CONST. DEL CALLAO", "BELLAVISTA", "070102"),
    ("PROV. CONST. DEL CALLAO", "CALLAO", "VENTANILLA", "070106"),
    ("PROVINCIA CONSTITUCIONAL DEL CALLAO", "PROVINCIA CONSTITUCIONAL DEL CALLAO", "CALLAO", "070101"),
    ("Prov.Const.del Callao", "Callao", "La Perla", "070104"),
    ("CALLAO", "CALLAO", "MI PERU", "070107"),
])
def test_callao_name_variants_resolve(departamento, provincia, distrito, code):
    assert ubigeo_for(departamento, provincia, distrito) == code


def test_matching_ignores_case_accents_and_whitespace():
    assert ubigeo_for("Huánuco", "Leoncio  Prado", "Rupa-Rupa") == "100601"
    assert ubigeo_for("LIMA", "LIMA", "RÍMAC") == "150128"
    assert ubigeo_for("  San Martín ", "San\u00a0Martín", "Tarapoto") == "220901"
    assert ubigeo_for("JUNÍN", "JAUJA", "JULCÁN") == "120412"


def test_enie_matches_itself_and_plain_n():
    assert ubigeo_for("ANCASH", "SANTA", "NEPEÑA") == "021806"
    assert ubigeo_for("ANCASH", "SANTA", "NEPENA") == "021806"
    assert ubigeo_for("ancash", "santa", "nepeña") == "021806"
    assert ubigeo_for("LIMA", "CAÑETE", "SAN VICENTE DE CAÑETE") == "150501"
    assert ubigeo_for("LIMA", "CANETE", "SAN VICENTE DE CANETE") == "150501"


@pytest.mark.parametrize("distrito", ["RUPA-RUPA", "RUPA - RUPA", "RUPA -RUPA", "RUPA- RUPA"])
def test_hyphen_spacing_is_tolerated(distrito):
    assert ubigeo_for("HUANUCO", "LEONCIO PRADO", distrito) == "100601"


def test_other_hyphenated_districts():
    assert ubigeo_for("AYACUCHO", "LUCANAS", "HUAC - HUAS") == "050607"
    assert ubigeo_for("APURIMAC", "CHINCHEROS", "ANCO-HUALLO") == "030602"
    assert ubigeo_for("TACNA", "TARATA", "ESTIQUE - PAMPA") == "230404"


@pytest.mark.parametrize("departamento, provincia, distrito", [
    (None, None, None),
    ("LIMA", "LIMA", None),
    (None, "LIMA", "LIMA"),
    ("-", "-", "-"),
    ("LIMA", "-", "LIMA"),
    ("", "", ""),
    ("LIMA", "LIMA", "TARAPOTO"),        # no such district there
    ("AREQUIPA", "LIMA", "LIMA"),        # never guessed across departamentos
    ("LIMA", "HUAURA", "MIRAFLORES"),    # nor across provincias
    ("CALLAO", "LIMA", "BELLAVISTA"),
    ("LIMA LIMA", "LIMA", "LIMA"),
])
def test_missing_or_unmatched_names_give_none(departamento, provincia, distrito):
    assert ubigeo_for(departamento, provincia, distrito) is None


# The captured SUNAT pages ---------------------------------------------------

@pytest.mark.parametrize("page, code", [
    ("consPorRuc_20573215045_company_2025.html", "100601"),   # HUANUCO - LEONCIO PRADO - RUPA-RUPA
    ("consPorRuc_20146806679_2021.html", "220101"),           # SAN MARTIN - MOYOBAMBA - MOYOBAMBA
    ("consPorRuc_20440374248_2021.html", "130101"),           # LA LIBERTAD - TRUJILLO - TRUJILLO
    ("consPorRuc_20550263948_2021.html", "150101"),           # LIMA - LIMA - LIMA
    ("consPorRuc_10401510465_person_2021.html", None),        # address withheld
    ("consPorRuc_person_redacted_2026.html", None),           # Domicilio Fiscal "-"
])
def test_every_captured_page_answers_the_ubigeo_of_its_address(page, code):
    data = parse_ruc_page((PAGES / page).read_text(encoding="utf-8"))
    assert ubigeo_for(data["departamento"], data["provincia"], data["distrito"]) == code
    assert data["ubigeo"] == code
