"""RUC validation: format, prefix and check digit, before anything reaches the cache or SUNAT.
And the RUC of a DNI: a person's RUC is 10 + the 8-digit DNI + a check digit."""

RUC_PREFIXES = ("10", "15", "16", "17", "20")
_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ASCII_DIGITS = frozenset("0123456789")


class InvalidRuc(ValueError):
    """The value is not a RUC; the message is user-facing (Spanish)."""


class InvalidDni(ValueError):
    """The value is not a DNI (8 digits); the message is user-facing (Spanish)."""


def ruc_check_digit(first_ten: str) -> int:
    remainder = sum(int(d) * w for d, w in zip(first_ten, _WEIGHTS, strict=False)) % 11
    return (11 - remainder) % 10  # 10 -> 0 and 11 -> 1


def validate_ruc(value: str) -> str:
    """Return the RUC if valid, else raise InvalidRuc saying why."""
    # str.isdigit() accepts full-width and other Unicode digits; a RUC is ASCII only.
    if len(value) != 11 or not _ASCII_DIGITS.issuperset(value):
        raise InvalidRuc("El RUC debe tener exactamente 11 dígitos (0-9).")
    if not value.startswith(RUC_PREFIXES):
        raise InvalidRuc("El RUC debe empezar con 10, 15, 16, 17 o 20.")
    if ruc_check_digit(value[:10]) != int(value[10]):
        raise InvalidRuc("El dígito verificador del RUC no es correcto.")
    return value


def ruc_for_dni(dni: str) -> str:
    """The RUC 10 a DNI would have (whether SUNAT registered it is another matter); InvalidDni if
    the value is not 8 ASCII digits."""
    if len(dni) != 8 or not _ASCII_DIGITS.issuperset(dni):
        raise InvalidDni("El DNI debe tener exactamente 8 dígitos (0-9).")
    first_ten = f"10{dni}"
    return f"{first_ten}{ruc_check_digit(first_ten)}"
