"""What the API's views read from a request: bounded integers from the query, a JSON body."""

import json


class InvalidBody(Exception):
    """The body is not JSON; the message is the API's detail."""


def positive_int(value: str, maximum: int) -> int | None:
    """The integer 1..maximum `value` spells in ASCII digits, else None."""
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        return None
    number = int(value)
    return number if 1 <= number <= maximum else None


def json_body(request, example: str):
    """The request's JSON body; InvalidBody (saying `example`) when it is not JSON."""
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        raise InvalidBody(f"El cuerpo debe ser JSON: {example}.") from None
