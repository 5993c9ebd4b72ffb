"""The API's OpenAPI 3.1 description, as a plain dict: GET /api/schema serves it as JSON and
GET /api/docs renders it as HTML.

Descriptions are in Spanish (integrators read them); the limits come from the code that
enforces them, so the description cannot drift from it.
"""

from sunat.api.openapi.docs import docs_context
from sunat.api.openapi.document import schema

__all__ = ["docs_context", "schema"]
