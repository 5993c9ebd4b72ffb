"""A stand-in of SUNAT's official "Consulta Integrada de Comprobante de Pago" REST API: its OAuth2
token endpoint (api-seguridad.sunat.gob.pe) and `validarcomprobante` (api.sunat.gob.pe), served by
one server under both paths, to test the service's client against.

Sources (none checked against the live API):
- crafter-research/sunat-cli, packages/cli/src/sunat-rest/ (oauth.ts, consulta-cpe.ts, RESEARCH.md;
  2026-04): the token request (form body: grant_type=client_credentials, scope, client_id,
  client_secret) and answer {"access_token", "token_type": "Bearer", "expires_in": 3600}; the
  validation body {"numRuc", "codComp", "numeroSerie", "numero", "fechaEmision": "DD/MM/YYYY",
  "monto"} and answer {"success", "message", "data": {"estadoCp", "estadoRuc", "condDomiRuc",
  "observaciones": []}}; codes seen zero-padded ("0001"); one renewal on 401.
- carlos-hernandez-canchari/validador-cpe-masivo-sunat (2025-12): estadoCp "0".."4" unpadded,
  "0" NO EXISTE; observaciones as strings starting "- "; codComp among 01 03 04 07 08 R1 R7; a
  four-character serie (F... or E001 for facturas, B... or EB.. for boletas, E... for R1); numero
  sent as an integer, monto as a number.
- public Node/Python clients found by "validarcomprobante" (2024-2026): numero without leading
  zeros, monto sent for electronic comprobantes; the code tables of issue 29.
- giansalex/lycet issues 605 and 613, thegreenter/greenter issue 219: a wrong client id or secret is
  answered "cliente no autorizado" by the token endpoint.
Where these are silent the choices are this stand-in's own: the token error's JSON
({"error": "invalid_client", "error_description": "cliente no autorizado"}, HTTP 401), the 401 of
validarcomprobante ({"cod": "401", "msg": "No autorizado"}), which fields it refuses and its
messages (success false, HTTP 200; a body that is not JSON: HTTP 400), monto required when the serie
is electronic (starts with a letter), a wrong monto or fecha answered as estadoCp 0 with an
observación, and estadoRuc/condDomiRuc left out when the emisor is unknown.

    with CpeStandin() as sunat:
        sunat.add("20100070970", "01", "F001", 123, "2026-11-02", "118.00")  # ACEPTADO
        settings.SUNAT_API_TOKEN_URL, settings.SUNAT_API_URL = sunat.token_url, sunat.api_url
"""

from .server import ACEPTADO, ANULADO, AUTORIZADO, NO_AUTORIZADO, CpeStandin

__all__ = ["ACEPTADO", "ANULADO", "AUTORIZADO", "NO_AUTORIZADO", "CpeStandin"]
