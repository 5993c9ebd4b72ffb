"""manage.py sunat_check [RUC] [--no-browser]: which way of asking SUNAT works from this machine."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sunat.upstream import flow_check
from sunat.upstream.flows import DESCRIPTIONS, choice
from sunat.validators import InvalidRuc, validate_ruc


class Command(BaseCommand):
    help = ("Prueba contra SUNAT (SUNAT_BASE_URL) cada forma de consulta por HTTP y el navegador, con un RUC "
            "que siempre existe, y muestra cuáles acepta. Sale con código 1 si ninguna funciona.")

    def add_arguments(self, parser):
        parser.add_argument("ruc", nargs="?", default=flow_check.CHECK_RUC,
                            help=f"El RUC a consultar (por omisión el de SUNAT, {flow_check.CHECK_RUC}).")
        parser.add_argument("--no-browser", action="store_true", help="No probar el navegador (Chromium).")

    def handle(self, *args, ruc, no_browser, **options):
        try:
            ruc = validate_ruc(ruc)
        except InvalidRuc as exc:
            raise CommandError(f"RUC no válido: {exc}") from None
        self.stdout.write(f"SUNAT: {settings.SUNAT_BASE_URL}  RUC: {ruc}  cliente: SUNAT_CLIENT={settings.SUNAT_CLIENT}")
        outcomes = flow_check.check(ruc, browser=not no_browser)
        self.stdout.write(_table(outcomes))
        current = choice.in_use()
        if any(outcome.accepted for outcome in outcomes):
            self.stdout.write(self.style.SUCCESS(f"En uso: {current['flow'] if current else '-'}"))
            return
        self.stderr.write(self.style.ERROR(
            "Ninguna forma de consulta funciona desde esta máquina. Las consultas nuevas responderán 503 "
            "(sunat_no_disponible); el padrón importado sigue respondiendo los datos básicos (?fuente=padron). "
            "Vea docs/architecture.md: «When `sunat_check` says nothing works»."))
        raise SystemExit(1)


def _table(outcomes) -> str:
    rows = [("Flujo", "Resultado", "Tiempo", "Detalle")]
    rows += [(o.flow, o.result, f"{o.seconds:.2f} s", f"{o.detail} ({DESCRIPTIONS[o.flow]})") for o in outcomes]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
                     for row in rows)
