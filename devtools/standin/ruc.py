"""RUC numbers for the stand-in: the check digit SUNAT uses and made-up, repeatable names.

Check digit (SUNAT, as public clients implement it): weights 5,4,3,2,7,6,5,4,3,2 over the first
ten digits; d = 11 - (sum mod 11); 10 becomes 0, 11 becomes 1. Valid prefixes: 10, 15, 16, 17, 20.
"""

import hashlib

WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
PREFIXES = ("10", "15", "16", "17", "20")

# Names the stand-in gives a RUC it knows nothing about. Accented letters on purpose: the pages
# are served in ISO-8859-1 and a client must decode them as such.
_WORDS = ("ANDINA", "PACÍFICO", "ÑUSTA", "INCA", "COMERCIAL", "INVERSIONES", "SOLUCIONES", "SERVICIOS",
          "CONSTRUCCIÓN", "AGRÍCOLA", "MINERA", "TÉCNICA", "GRUPO", "LOGÍSTICA", "SEÑORÍO", "AMAZÓNICA")
_SUFFIXES = ("S.A.C.", "E.I.R.L.", "S.A.", "S.R.L.", "SOCIEDAD ANONIMA CERRADA")
_SURNAMES = ("QUISPE", "MAMANI", "HUAMÁN", "NÚÑEZ", "FLORES", "PEÑA", "ROJAS", "CÁCERES", "YUPANQUI", "ÑAHUI")
_GIVEN = ("JOSÉ", "MARÍA", "JESÚS", "ROSA", "JUAN", "ANA", "LUIS", "ROCÍO", "MARTÍN", "INÉS")

# Replaced in the captured company page by the RUC and name asked for.
TEMPLATE_RUC = "20573215045"
TEMPLATE_NAME = "LEAD WORKING PARTNER SAC"


def check_digit(first_ten):
    """The eleventh digit for ten digits (a str)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_ten, WEIGHTS, strict=False))
    digit = 11 - total % 11
    return {10: 0, 11: 1}.get(digit, digit)


def is_valid(ruc):
    """Eleven digits, a known prefix and the right check digit."""
    ruc = str(ruc)
    return (len(ruc) == 11 and ruc.isdigit() and ruc[:2] in PREFIXES
            and check_digit(ruc[:10]) == int(ruc[10]))


def complete(first_ten):
    """The valid RUC that starts with these ten digits."""
    return first_ten + str(check_digit(first_ten))


def _numbers(text, count):
    digest = hashlib.sha256(str(text).encode("utf-8")).digest()
    return [digest[i] for i in range(count)]


def name_for(ruc):
    """A repeatable made-up name: a company name for 20..., a person's for 10... (and 15/16/17)."""
    if ruc == TEMPLATE_RUC:
        return TEMPLATE_NAME
    a, b, c, d = _numbers(ruc, 4)
    if ruc.startswith("20"):
        return f"{_WORDS[a % len(_WORDS)]} {_WORDS[b % len(_WORDS)]} {_SUFFIXES[c % len(_SUFFIXES)]}"
    return person_name(ruc)


def person_name(seed):
    """A repeatable made-up person's name, "SURNAME SURNAME GIVEN" as SUNAT writes them."""
    a, b, c, _ = _numbers(seed, 4)
    return f"{_SURNAMES[a % len(_SURNAMES)]} {_SURNAMES[b % len(_SURNAMES)]} {_GIVEN[c % len(_GIVEN)]}"


def rucs_for(text, count=3):
    """A few repeatable company RUCs for a search by name."""
    found = []
    for index in range(count):
        digest = hashlib.sha256(f"{text}|{index}".encode()).hexdigest()
        found.append(complete("20" + str(int(digest, 16))[:8].rjust(8, "0")))
    return found
