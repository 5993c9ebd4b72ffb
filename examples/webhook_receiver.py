"""Un receptor de webhooks de Consulta RUC, pequeño y completo: verifica la firma (X-Firma) sobre el
cuerpo tal como llegó, rechaza un aviso de más de 5 minutos (una repetición) y uno ya visto (un
reintento: X-Evento-Id), y muestra cada cambio. Solo la biblioteca estándar de Python 3.

    python3 examples/webhook_receiver.py --puerto 8002 --secreto whsec_...          # hasta Ctrl-C
    python3 examples/webhook_receiver.py --puerto 8002 --secreto whsec_... --uno    # termina tras el primero

Responde 200 a un aviso válido (el servicio lo da por entregado), 401 a una firma que no corresponde
y 400 a un aviso vencido o mal formado. En su sistema, guarde el cambio antes de responder 2xx: la
entrega es "al menos una vez".
"""

import argparse
import hashlib
import hmac
import json
import sys
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_BODY = 1 << 20
MAX_AGE_SECONDS = 300


def signature(raw_body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verified_change(raw_body: bytes, firma: str, secret: str) -> dict | None:
    """El cambio, si la firma corresponde al cuerpo y se envió hace menos de 5 minutos; si no, None."""
    if not hmac.compare_digest(signature(raw_body, secret), firma):
        return None
    change = json.loads(raw_body)
    sent = datetime.strptime(change["enviadoEn"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return change if (datetime.now(UTC) - sent).total_seconds() < MAX_AGE_SECONDS else None


def describe(change: dict) -> str:
    fields = "; ".join(f"{item['campo']}: {item['antes']} → {item['despues']}" for item in change["cambios"])
    return f"{change['tipo']} {change['ruc']} ({change['fuente']}): {fields}"


class Receiver(HTTPServer):
    def __init__(self, port: int, secret: str, once: bool):
        super().__init__(("127.0.0.1", port), Handler)
        self.secret, self.once, self.seen, self.stop = secret, once, set(), False


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):
        length = self.headers.get("Content-Length", "")
        length = int(length) if length.isdigit() else 0
        if not 0 < length <= MAX_BODY:
            return self.answer(400, "cuerpo vacío o demasiado grande")
        body = self.rfile.read(length)
        firma = self.headers.get("X-Firma", "")
        if not hmac.compare_digest(signature(body, self.server.secret), firma):
            return self.answer(401, "firma inválida")
        try:
            change = verified_change(body, firma, self.server.secret)
        except (ValueError, KeyError):
            return self.answer(400, "aviso mal formado")
        if change is None:
            return self.answer(400, "aviso vencido (más de 5 minutos)")
        event_id = self.headers.get("X-Evento-Id", change.get("id"))
        if event_id in self.server.seen:
            return self.answer(200, f"reintento de {event_id}: ya recibido")
        self.server.seen.add(event_id)
        print(f"firma válida · {describe(change)}", flush=True)
        self.answer(200, "recibido")
        if self.server.once:
            self.server.stop = True

    def answer(self, status: int, text: str) -> None:
        if status >= 400:
            print(f"rechazado ({status}): {text}", file=sys.stderr, flush=True)
        payload = json.dumps({"detail": text}, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # one line per change is enough
        pass


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--puerto", type=int, default=8002, help="puerto en 127.0.0.1 (8002)")
    parser.add_argument("--secreto", required=True, help="el secreto del webhook (whsec_...), visto al crearlo")
    parser.add_argument("--uno", action="store_true", help="terminar después del primer cambio válido")
    args = parser.parse_args(argv)
    server = Receiver(args.puerto, args.secreto, args.uno)
    print(f"esperando avisos en http://127.0.0.1:{server.server_port}/avisos", flush=True)
    try:
        while not server.stop:
            server.handle_request()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
