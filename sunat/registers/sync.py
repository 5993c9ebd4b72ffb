"""Every register's daily file from SUNAT, imported only when it changed (manage.py sync_sunat_files).

One download per register, conditional: it carries the validators (size, Last-Modified, ETag) of
the version in use, so an unchanged file costs a 304 (or, from a server that ignores the
conditions, its headers alone) and no import. A register that fails is reported and left as it
was; the others go on. The whole sync holds a lock of its own: a second one refuses at once.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from sunat.models import PadronVersion
from sunat.registers import changes, locks
from sunat.registers.files import REGISTERS, Register
from sunat.registers.importer import ProgressCallback, import_padron
from sunat.registers.sources import LIMA, NotModified, PadronError, Validators

logger = logging.getLogger(__name__)

IMPORTED, UNCHANGED, FAILED = "imported", "unchanged", "failed"  # SyncResult.outcome
BUSY = "otra sincronización de los archivos de SUNAT está en curso"
_LOCK_NUMBER = 0x53594E43  # "SYNC": apart from the registers' numbers (their index in REGISTERS)


@dataclass
class SyncResult:
    register: Register
    outcome: str  # IMPORTED, UNCHANGED or FAILED
    version: PadronVersion | None = None  # the new one (IMPORTED), the one in use (UNCHANGED)
    reason: str = ""  # FAILED: why

    @property
    def failed(self) -> bool:
        return self.outcome == FAILED

    def summary(self) -> str:
        """One line for the operator, in Spanish."""
        name = f"{self.register.title} ({self.register.name})"
        if self.outcome == IMPORTED:
            seconds = self.version.seconds
            rate = self.version.rows / seconds if seconds else 0
            return (f"{name}: importado, {self.version.rows:,} filas en {seconds:.1f} s ({rate:,.0f} filas/s)."
                    f"{changes.summary(self.version)}")
        if self.outcome == UNCHANGED:
            since = self.version.source_last_modified or self.version.imported_at
            return f"{name}: sin cambios desde el {since.astimezone(LIMA):%Y-%m-%d %H:%M} (hora de Lima)."
        return f"{name}: no se importó: {self.reason}. El registro en uso no cambió."


def selected_registers(names=None) -> list[Register]:
    """The registers named (in REGISTERS' order), or all; ValueError naming an unknown one."""
    unknown = sorted(set(names or ()) - set(REGISTERS))
    if unknown:
        raise ValueError(f"registro desconocido: {', '.join(unknown)}; los registros son: {', '.join(REGISTERS)}")
    return [register for name, register in REGISTERS.items() if not names or name in names]


def sync_lock():
    return locks.exclusive(_LOCK_NUMBER, "sync", BUSY)


def sync_files(names=None, force: bool = False, progress: ProgressCallback | None = None,
               on_result: Callable[[SyncResult], None] | None = None) -> list[SyncResult]:
    """Download and import each selected register's file from its URL setting; a result per register,
    each also passed to `on_result` as soon as it is known.

    `force`: import even an unchanged file (and one much shorter than the register in use, as
    import_padron's force). PadronError(BUSY) when another sync holds the lock.
    """
    registers = selected_registers(names)
    results = []
    with sync_lock():
        for register in registers:
            results.append(sync_register(register, force, progress))
            if on_result is not None:
                on_result(results[-1])
    return results


def sync_register(register: Register, force: bool = False, progress: ProgressCallback | None = None) -> SyncResult:
    url = getattr(settings, register.url_setting)
    in_use = PadronVersion.objects.filter(register=register.name).order_by("-imported_at").first()
    unless = None if force or in_use is None else _stored_validators(in_use)
    try:
        version = import_padron(url, progress=progress, force=force, register=register, unless=unless)
    except NotModified:
        logger.info("%s unchanged at %s", register.name, url)
        # The version in use is still SUNAT's: said so, or a register SUNAT leaves unchanged looks stale.
        PadronVersion.objects.filter(pk=in_use.pk).update(checked_at=timezone.now())
        return SyncResult(register, UNCHANGED, version=in_use)
    except PadronError as exc:
        logger.warning("%s not imported from %s: %s", register.name, url, exc)
        return SyncResult(register, FAILED, reason=str(exc))
    except Exception as exc:  # a database error, a bug: this register fails, the others still run
        logger.exception("%s not imported from %s", register.name, url)
        return SyncResult(register, FAILED, reason=f"error inesperado: {exc}")
    return SyncResult(register, IMPORTED, version=version)


def _stored_validators(version: PadronVersion) -> Validators | None:
    """What the next download is compared with: `version`'s own download's; None when it came from no URL."""
    if version.source_size is None and version.source_last_modified is None and version.source_etag is None:
        return None
    return Validators(size=version.source_size, last_modified=version.source_last_modified, etag=version.source_etag)


def scheduled_sync() -> int:
    """The daily sync as a task of the queue (sunat.schedules): every register, a summary line each in the
    log; PadronError when any failed (the queue keeps it among its failed tasks) or another sync
    runs. How many registers were imported."""
    results = sync_files(on_result=lambda result: logger.info("%s", result.summary()))
    failure = failures(results)
    if failure:
        raise PadronError(failure)
    return sum(result.outcome == IMPORTED for result in results)


def failures(results: list[SyncResult]) -> str:
    """What the operator reads of a sync's failed registers ("" when none failed)."""
    failed = [result.register.name for result in results if result.failed]
    return f"No se importaron {len(failed)} de {len(results)} archivos: {', '.join(failed)}" if failed else ""
