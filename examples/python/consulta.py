"""Consulta un RUC en Consulta RUC y muestra lo principal; maneja cada error como lo haría un sistema
de facturación. Solo la biblioteca estándar de Python 3.

    CONSULTA_RUC_URL=http://127.0.0.1:8000 CONSULTA_RUC_CLAVE=rk_... python3 consulta.py 20131312955
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE_URL = os.environ.get("CONSULTA_RUC_URL", "http://127.0.0.1:8000")
CLAVE = os.environ.get("CONSULTA_RUC_CLAVE", "")


def consultar_ruc(ruc: str, intentos: int = 3) -> dict:
    """Los datos del RUC. Reintenta lo pasajero (429, 503, 504) tras Retry-After; lo demás es un error."""
    request = urllib.request.Request(f"{BASE_URL}/api/ruc/{ruc}", headers={"Accept": "application/json"})
    if CLAVE:
        request.add_header("Authorization", f"Bearer {CLAVE}")
    for intento in range(1, intentos + 1):
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            body = json.load(error)  # every error is JSON: {"error": código, "detail": mensaje}
            if error.code in (429, 503, 504) and intento < intentos:
                time.sleep(min(int(error.headers.get("Retry-After", "5")), 30))
                continue
            raise RuntimeError(f"{error.code} {body['error']}: {body['detail']}") from None
    raise AssertionError("unreachable")


if __name__ == "__main__":
    try:
        datos = consultar_ruc(sys.argv[1])
    except RuntimeError as error:
        sys.exit(f"No se pudo consultar: {error}")
    print(f"{datos['ruc']} {datos['razonSocial']}")
    print(f"estado: {datos['estado']} · condición: {datos['condicion']}")
    print(f"dirección: {datos.get('direccion') or '-'}")
    print(f"fuente: {datos['fuente']} · actualizado en: {datos['actualizadoEn']}")
