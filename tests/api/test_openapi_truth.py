"""The document says what the server checks, exactly: each parameter's pattern (and the check digit
its description spells out) accepts what the server accepts and nothing else."""

import re
import string

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunat.api import openapi
from sunat.lookups.complete import InvalidSections, sections_asked
from sunat.upstream.clients import SECTIONS
from sunat.validators import InvalidRuc, validate_ruc

PARAMETERS = openapi.schema()["components"]["parameters"]


def matches(name: str, value: str) -> bool:
    """Whether the parameter's schema admits `value`, read as JSON Schema reads patterns (ECMA-262: "$" is
    the end, "\\s" is not Python's) by the validator Schemathesis uses."""
    return jsonschema_rs.is_valid({"type": "string", "pattern": PARAMETERS[name]["schema"]["pattern"]}, value)


def described_check_digit(first_ten: str) -> int:
    """The check digit as the ruc parameter's description tells it, read from that text."""
    text = PARAMETERS["ruc"]["description"]
    weights = [int(w) for w in re.search(r"multiplicados por ([\d, ]+) \(", text).group(1).split(", ")]
    assert "si resulta 10 es 0; si resulta 11, 1" in text
    digit = 11 - sum(int(d) * w for d, w in zip(first_ten, weights, strict=True)) % 11
    return {10: 0, 11: 1}.get(digit, digit)


@pytest.mark.standalone
@settings(max_examples=500)
@given(st.one_of(st.text("0123456789", min_size=11, max_size=11),
                 st.sampled_from(["10", "15", "16", "17", "20"]).flatmap(
                     lambda p: st.text("0123456789", min_size=9, max_size=9).map(lambda rest: p + rest)),
                 st.text(min_size=0, max_size=13)))
def test_a_ruc_is_valid_exactly_when_the_document_says_so(value):
    try:
        validate_ruc(value)
        valid = True
    except InvalidRuc:
        valid = False
    described = matches("ruc", value) and len(value) == 11 and described_check_digit(value[:10]) == int(value[10])
    assert valid == described, value


def _listed(names, separators):
    return "".join(f"{sep}{name}" for name, sep in zip(names, separators, strict=False))


@pytest.mark.standalone
@settings(max_examples=500)
@given(st.lists(st.one_of(st.sampled_from(list(SECTIONS)), st.sampled_from(["", " ", "x", "HISTORICO", "\t"])),
                max_size=5),
       st.lists(st.sampled_from([",", ", ", " ,", ",,", ";", "\n,"]), min_size=5, max_size=5),
       st.sampled_from(["", " ", ",", "\x0b", "\x1c", "\ufeff", "\u3000", "\n", "\x85"]))
def test_secciones_is_accepted_exactly_when_its_pattern_matches(names, separators, edge):
    value = edge + _listed(names, [""] + separators) + edge
    try:
        sections_asked(value)
        accepted = True
    except InvalidSections:
        accepted = False
    assert accepted == matches("secciones", value), repr(value)


# Refused with parametro_invalido when the parameter is wrong; otherwise the lookup runs and refuses the
# RUC (ruc_invalido): which of the two tells whether the server accepted the parameter, without SUNAT.
TRICKY = ["", "1", "0", "true", "false", "TRUE", "False", "tRuE", "yes", "2", " 1", "1 ", "true\n", "ｔrue", "sunat",
          "padron", "SUNAT", "Padron", "padrón", "sunat ", "SUNAT\x00", "none", "-1"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["fresh", "fuente"])
@pytest.mark.parametrize("value", TRICKY)
def test_fresh_and_fuente_are_accepted_exactly_when_their_pattern_matches(client, name, value):
    error = client.get("/api/ruc/123", {name: value}).json()["error"]
    assert (error == "ruc_invalido") == matches(name, value), (name, value, error)


@pytest.mark.django_db
@given(st.text(string.ascii_letters + "01 ", max_size=6))
@settings(max_examples=200, deadline=None)
def test_fresh_takes_any_case_of_its_words_and_nothing_else(value):
    from django.test import Client

    error = Client().get("/api/ruc/123", {"fresh": value}).json()["error"]
    assert (error == "ruc_invalido") == matches("fresh", value), value
