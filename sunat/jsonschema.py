"""Small builders of JSON Schema fragments: the OpenAPI document and each SUNAT page's item schema. Imports nothing."""

_REF = "#/components/schemas/"
DATE_TEXT = "Fecha AAAA-MM-DD"  # how a date property's description starts


def ref(name: str) -> dict:
    return {"$ref": f"{_REF}{name}"}


def nullable(kind: str, description: str, **extra) -> dict:
    return {"type": [kind, "null"], "description": description, **extra}


def text(description: str, **extra) -> dict:
    return {"type": "string", "description": description, **extra}


def count(description: str) -> dict:
    return {"type": "integer", "minimum": 0, "description": description}


def obj(properties: dict, description: str, required=None) -> dict:
    """A closed object: every property listed, all required unless said otherwise."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }
