import time

from django.core.management.base import BaseCommand, CommandError

from sunat.registers import changes
from sunat.registers.files import PADRON, REGISTERS
from sunat.registers.importer import COMPARING, INDEXING, LOADING, Progress, import_padron
from sunat.registers.sources import PadronError

PHASES = {LOADING: "cargando", INDEXING: "indexando", COMPARING: "comparando"}  # what the operator reads
PLAIN_EVERY = 10.0  # seconds between progress lines when the output is not a terminal
BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Importa el Padrón Reducido RUC de SUNAT, u otro de sus registros con --registro (el .zip o el .txt; "
        "una ruta o una URL http(s)), y lo reemplaza entero. Ante cualquier error, el registro en uso queda "
        "como estaba."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="ruta o URL del archivo (padron_reducido_ruc.zip, AgenRet_TXT.zip...)")
        parser.add_argument("--registro", choices=list(REGISTERS), default=PADRON.name,
                            help="qué registro es el archivo (por omisión: padron, el Padrón Reducido RUC)")
        parser.add_argument("--force", action="store_true",
                            help="importar aunque tenga bastantes menos filas que el padrón en uso (PADRON_MAX_SHRINK) o "
                                 "cambie el estado o la condición de demasiadas (PADRON_MAX_CHANGES)")

    def handle(self, *args, source, force=False, registro=PADRON.name, **options):
        self._tty = self.stdout.isatty()
        self._last_line = 0.0
        register = self._register = REGISTERS[registro]
        what, in_use = ("el padrón", "El padrón en uso") if register is PADRON else (
            f"el registro {register.title}", "El registro en uso")
        try:
            version = import_padron(source, progress=self._show, force=force, register=register)
        except PadronError as exc:
            self._end_bar()
            raise CommandError(f"No se importó {what} ({source}): {exc}. {in_use} no cambió.") from exc
        except KeyboardInterrupt:
            self._end_bar()
            raise CommandError(f"Importación interrumpida. {in_use} no cambió.") from None
        self._end_bar()
        rate = version.rows / version.seconds if version.seconds else 0
        done = "Padrón importado" if register is PADRON else f"{register.title} importado"
        self.stdout.write(self.style.SUCCESS(
            f"{done}: {version.rows:,} filas en {version.seconds:.1f} s ({rate:,.0f} filas/s).{changes.summary(version)}"
        ))

    def _show(self, progress: Progress):
        rate = progress.rows / progress.seconds if progress.seconds else 0
        share = progress.bytes_read / progress.total_bytes if progress.total_bytes else None
        if self._tty:
            done = int(BAR_WIDTH * (share or 0))
            bar = "#" * done + "-" * (BAR_WIDTH - done)
            percent = f"{share:6.1%}" if share is not None else "   ?  "
            self.stdout.write(f"\r[{bar}] {percent} {progress.rows:>12,} filas {rate:>10,.0f} filas/s  "
                              f"{PHASES[progress.phase]:<10}", ending="")
            self.stdout.flush()
            return
        now = time.monotonic()
        if progress.phase == LOADING and now - self._last_line < PLAIN_EVERY:
            return
        self._last_line = now
        percent = f" ({share:.0%})" if share is not None else ""
        name = "padrón" if self._register is PADRON else self._register.name
        self.stdout.write(f"{name}: {PHASES[progress.phase]}, {progress.rows:,} filas{percent}, {rate:,.0f} filas/s, "
                          f"{progress.seconds:.1f} s")

    def _end_bar(self):
        if self._tty:
            self.stdout.write("")
