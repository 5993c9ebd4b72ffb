"""RUC check digit, as SUNAT computes it."""

WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def check_digit(first_ten):
    """The 11th digit for a string of ten digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_ten, WEIGHTS))
    digit = 11 - total % 11
    return {10: 0, 11: 1}.get(digit, digit)


def is_valid_ruc(ruc):
    """Eleven ASCII digits with a matching check digit (existence is another matter)."""
    if len(ruc) != 11 or not (ruc.isascii() and ruc.isdigit()):
        return False
    return check_digit(ruc[:10]) == int(ruc[10])


def make_ruc(first_ten):
    """Complete ten digits into a valid RUC, e.g. make_ruc("2060000000")."""
    if len(first_ten) != 10 or not (first_ten.isascii() and first_ten.isdigit()):
        raise ValueError(f"need ten digits, got {first_ten!r}")
    return f"{first_ten}{check_digit(first_ten)}"
