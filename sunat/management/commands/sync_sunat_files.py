import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from sunat.registers.daily import parse_time, run_daily
from sunat.registers.files import REGISTERS
from sunat.registers.sources import PadronError
from sunat.registers.sync import FAILED, IMPORTED, LIMA, UNCHANGED, failures, sync_files


class Command(BaseCommand):
    help = (
        "Descarga el archivo diario de cada registro de SUNAT (padrón reducido, agentes de retención y de "
        "percepción, buenos contribuyentes, establecimientos anexos) desde su URL (PADRON_URL, AGENTES_RETENCION_URL...) e importa los "
        "que cambiaron desde su última importación; uno por línea: importado, sin cambios o el error. Un "
        "registro que falla queda como estaba y los demás se importan igual; el código de salida no es 0 si "
        "alguno falló. Con --daily, lo repite cada día a la hora SUNAT_SYNC_TIME de Lima."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="+", action="extend", choices=list(REGISTERS), metavar="REGISTRO",
                            help=f"solo estos registros ({', '.join(REGISTERS)})")
        parser.add_argument("--force", action="store_true",
                            help="importar aunque el archivo no haya cambiado, o tenga bastantes menos filas que el "
                                 "registro en uso (PADRON_MAX_SHRINK)")
        parser.add_argument("--daily", action="store_true",
                            help="no terminar: sincronizar cada día a la hora SUNAT_SYNC_TIME (hora de Lima) hasta "
                                 "recibir SIGTERM o SIGINT")

    def handle(self, *args, only=None, force=False, daily=False, **options):
        if daily:
            return self._daily(only, force)
        try:
            results = sync_files(only, force=force, on_result=self._show)
        except PadronError as exc:  # the sync lock: another sync runs
            raise CommandError(f"No se sincronizó: {exc}.") from exc
        except KeyboardInterrupt:
            raise CommandError("Sincronización interrumpida. El registro que se estaba importando no cambió.") from None
        failure = failures(results)
        if failure:
            raise CommandError(f"{failure}.")

    def _show(self, result):
        style = {IMPORTED: self.style.SUCCESS, UNCHANGED: str, FAILED: self.style.ERROR}[result.outcome]
        self.stdout.write(style(result.summary()))
        self.stdout.flush()

    def _daily(self, only, force):
        try:
            at = parse_time(settings.SUNAT_SYNC_TIME)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        stop, syncing = threading.Event(), threading.Event()

        def on_signal(signum, frame):
            stop.set()
            if syncing.is_set():  # mid-import: abandon it (its register stays as it was) and end
                raise KeyboardInterrupt

        def run():
            self.stdout.write(f"Sincronización del {timezone.now().astimezone(LIMA):%Y-%m-%d %H:%M} (hora de Lima):")
            syncing.set()
            try:
                results = sync_files(only, force=force, on_result=self._show)
            except PadronError as exc:
                self.stdout.write(self.style.ERROR(f"No se sincronizó: {exc}."))
                return
            finally:
                syncing.clear()
                # A day apart, a kept connection may be dead (a restarted db): each run opens its own.
                connections.close_all()
            counts = {outcome: sum(result.outcome == outcome for result in results)
                      for outcome in (IMPORTED, UNCHANGED, FAILED)}
            self.stdout.write(f"{counts[IMPORTED]} importados, {counts[UNCHANGED]} sin cambios, "
                              f"{counts[FAILED]} con error.")

        def announce(when):
            self.stdout.write(f"Próxima sincronización: {when:%Y-%m-%d %H:%M:%S} (hora de Lima).")
            self.stdout.flush()

        previous = {number: signal.signal(number, on_signal) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            run_daily(at, run, stop, announce)
        except KeyboardInterrupt:
            self.stdout.write("Sincronización interrumpida: el registro que se estaba importando no cambió.")
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.stdout.write("Sincronización diaria detenida.")
