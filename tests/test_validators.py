import pytest

from sunat.validators import InvalidRuc, ruc_check_digit, validate_ruc

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = pytest.mark.standalone

VALID = ["20131312955", "20100055237", "20100070970", "20330791412", "20516020301", "20110768151",
         "10401510465", "20000000001"]


@pytest.mark.parametrize("ruc", VALID)
def test_known_rucs_pass(ruc):
    assert validate_ruc(ruc) == ruc


@pytest.mark.parametrize("ruc", ["15", "16", "17"])
def test_every_documented_prefix_is_accepted(ruc):
    body = ruc + "12345678"
    candidate = body + str(ruc_check_digit(body))
    assert validate_ruc(candidate) == candidate


def test_check_digit_maps_ten_to_zero_and_eleven_to_one():
    # 20100070970: remainder 1 -> 11 - 1 = 10 -> 0; 10123456781: remainder 0 -> 11 -> 1
    assert ruc_check_digit("2010007097") == 0
    assert ruc_check_digit("1012345678") == 1


@pytest.mark.parametrize(
    "value, reason",
    [
        ("", "11 dígitos"),
        ("2013131295", "11 dígitos"),
        ("201313129550", "11 dígitos"),
        ("2013131295a", "11 dígitos"),
        (" 20131312955", "11 dígitos"),
        ("２０１３１３１２９５５", "11 dígitos"),  # full-width digits
        ("٢٠١٣١٣١٢٩٥٥", "11 dígitos"),  # Arabic-Indic digits
        ("30131312955", "empezar con"),
        ("20131312954", "verificador"),
    ],
)
def test_invalid_values_are_rejected_with_the_reason(value, reason):
    with pytest.raises(InvalidRuc, match=reason):
        validate_ruc(value)
