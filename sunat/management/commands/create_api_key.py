import argparse

from django.core.management.base import BaseCommand

from sunat.keys import services as api_keys


def _positive(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise argparse.ArgumentTypeError(f"debe ser un entero positivo: {text!r}")
    return int(text)


class Command(BaseCommand):
    help = ("Crea una clave de API y la muestra una sola vez (solo se guarda su hash). Para scripts, la primera "
            "instalación y las pruebas; el admin crea y revoca claves también.")

    def add_arguments(self, parser):
        parser.add_argument("name", help="quién la usa, p. ej. el sistema del cliente")
        parser.add_argument("--per-minute", type=_positive, help="solicitudes por minuto (por omisión API_KEY_PER_MINUTE)")
        parser.add_argument("--per-day", type=_positive, help="solicitudes por día (por omisión API_KEY_PER_DAY)")
        parser.add_argument("--watch-limit", type=_positive, help="RUC vigilados como máximo (por omisión WATCH_LIMIT_PER_KEY)")

    def handle(self, *args, name, per_minute=None, per_day=None, watch_limit=None, **options):
        fields = {field: value for field, value in (("per_minute", per_minute), ("per_day", per_day),
                                                    ("watch_limit", watch_limit)) if value is not None}
        key, plain = api_keys.create_key(name[:100], **fields)
        self.stderr.write(f"Clave «{key.name}» creada ({key.per_minute}/min, {key.per_day}/día, hasta "
                          f"{key.watch_limit} RUC vigilados). Guárdela ahora: no se volverá a mostrar.")
        self.stdout.write(plain)  # alone on stdout, so that a script can take it: KEY=$(manage.py create_api_key x)
