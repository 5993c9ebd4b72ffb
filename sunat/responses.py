"""JSON responses of the API: data and errors share one shape and encoding."""

from functools import wraps

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

CONTENT_TYPE = "application/json; charset=utf-8"
_MAX_ECHO = 64  # never echo back an arbitrarily long input


def json_response(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})


def json_error(status: int, code: str, detail: str, *, retry_after: int | None = None, **echo: str | None) -> JsonResponse:
    """An error body: the code, a Spanish detail, and the input it is about (echo: ruc=..., dni=...)."""
    body = {"error": code, "detail": detail}
    body.update({name: value[:_MAX_ECHO] for name, value in echo.items() if value is not None})
    response = json_response(body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def require_get(view):
    """An API view: GET/HEAD only, with a JSON 405 for anything else.

    CSRF-exempt: the API uses no cookies, and without this CsrfViewMiddleware would answer a
    POST with its HTML 403 before the JSON 405 could.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(("GET", "HEAD"), "Solo se admite el método GET.")
        return view(request, *args, **kwargs)

    return wrapper


def method_not_allowed(allowed: tuple[str, ...], detail: str) -> JsonResponse:
    """The API's JSON 405, its Allow header listing `allowed`."""
    response = json_error(405, "metodo_no_permitido", detail)
    response["Allow"] = ", ".join(allowed)
    return response
