"""RUC numbers for the replica, on the service's own validator (plain Python, no Django)."""

from sunat.validators import InvalidRuc, ruc_check_digit, validate_ruc


def is_valid_ruc(ruc):
    """A well-formed RUC with a matching check digit (existence is another matter)."""
    try:
        validate_ruc(ruc)
    except InvalidRuc:
        return False
    return True


def make_ruc(first_ten):
    """Complete ten digits into a valid RUC, e.g. make_ruc("2060000000")."""
    if len(first_ten) != 10 or not (first_ten.isascii() and first_ten.isdigit()):
        raise ValueError(f"need ten digits, got {first_ten!r}")
    return f"{first_ten}{ruc_check_digit(first_ten)}"
