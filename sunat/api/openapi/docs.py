"""The context of the HTML page /api/docs (templates/sunat/api_docs.html), read from the document."""

from sunat.api.openapi.document import schema

_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def _name_of(ref_or_schema: dict) -> str:
    """A schema's component name, or a short description of an inline schema."""
    if "$ref" in ref_or_schema:
        return ref_or_schema["$ref"].rsplit("/", 1)[-1]
    kind = ref_or_schema.get("type")
    if kind == "array" and "items" in ref_or_schema:
        return f"lista de {_name_of(ref_or_schema['items'])}"
    if isinstance(kind, list):
        return " o ".join(kind)
    return kind or "cualquiera"


def _resolve(document: dict, item: dict) -> dict:
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = document["components"][section][name]
    return item


def _type_of(schema: dict) -> str:
    if "$ref" in schema:
        return _name_of(schema)
    if "const" in schema:
        return f"«{schema['const']}»"
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    if "oneOf" in schema:
        return " o ".join(_name_of(option) for option in schema["oneOf"])
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"objeto de {_name_of(schema['additionalProperties'])}"
    text = _name_of(schema)
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("pattern"):
        text += f", patrón {schema['pattern']}"
    return text


def docs_context() -> dict:
    """What templates/sunat/api_docs.html shows: the schema() document, references resolved to names."""
    document = schema()
    operations = []
    for path, item in document["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = []
            for parameter in operation.get("parameters", []):
                parameter = _resolve(document, parameter)
                parameters.append({
                    "name": parameter["name"], "location": parameter["in"], "required": parameter["required"],
                    "type": _type_of(parameter["schema"]), "description": parameter.get("description", ""),
                })
            responses = []
            for status, response in operation["responses"].items():
                response = _resolve(document, response)
                content = response.get("content", {})
                responses.append({
                    "status": status,
                    "description": response["description"],
                    "media": ", ".join(f"{media} ({_name_of(body['schema'])})" for media, body in content.items()),
                    "headers": ", ".join(response.get("headers", {})),
                })
            body = operation.get("requestBody")
            operations.append({
                "method": method.upper(), "path": path, "anchor": operation["operationId"],
                "summary": operation["summary"], "description": operation["description"],
                "open": operation.get("security") == [],
                "parameters": parameters, "responses": responses,
                "body": ", ".join(f"{media} ({_name_of(value['schema'])})"
                                  for media, value in body["content"].items()) if body else "",
            })
    schemas = []
    for name, component in document["components"]["schemas"].items():
        required = set(component.get("required", []))
        schemas.append({
            "name": name, "description": component.get("description", ""),
            "variants": [_name_of(option) for option in component.get("oneOf", [])],
            "properties": [
                {"name": prop, "type": _type_of(value), "required": prop in required,
                 "description": value.get("description", "")}
                for prop, value in component.get("properties", {}).items()
            ],
        })
    return {
        "title": document["info"]["title"], "version": document["info"]["version"],
        "openapi": document["openapi"], "description": document["info"]["description"],
        "operations": operations, "schemas": schemas,
    }
