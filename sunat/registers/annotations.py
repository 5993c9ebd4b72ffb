"""What SUNAT's registers say of a RUC, on every answer about it: agenteRetencion,
agentePercepcion, agentePercepcionVentaInterna and buenContribuyente ({"desde", "resolucion"},
or null: not in the register imported on the date registrosActualizadosEn gives for it).

These registers are small (thousands to tens of thousands of RUCs), so each process keeps the
versions in use in memory and answers from there: a dict lookup per answer, no query on the
hot path. A process looks for new versions at most every CHECK_SECONDS (one small query), and
reads a register again only when its version changed. A register never imported adds nothing:
its field is absent, not null, so that a client can tell "not an agent" from "never imported".
The same check tells sunat.registers.corrections of a new Padrón Reducido, whose corrected answers the
process then evicts from its cache. The copies are a piece of this process's state (sunat.process):
none after a fork, none between tests.
"""

import logging
import sys
import threading
import time
from dataclasses import dataclass

from django.db import DatabaseError
from django.db.models import Max
from django.utils import timezone

from sunat import process
from sunat.models import PadronVersion
from sunat.registers import corrections
from sunat.registers.files import (
    AGENTES_PERCEPCION,
    AGENTES_PERCEPCION_VI,
    AGENTES_RETENCION,
    BUENOS_CONTRIBUYENTES,
    PADRON,
)

logger = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
# Each register's field on an answer, in the answer's order.
FIELDS = {register.name: register.answer_field for register in (
    AGENTES_RETENCION, AGENTES_PERCEPCION, AGENTES_PERCEPCION_VI, BUENOS_CONTRIBUYENTES)}
_REGISTERS = {register.name: register for register in (
    AGENTES_RETENCION, AGENTES_PERCEPCION, AGENTES_PERCEPCION_VI, BUENOS_CONTRIBUYENTES)}
_TRAILER = ("fuente", "actualizadoEn")  # stay last, as on every answer


@dataclass(frozen=True)
class _Snapshot:
    version_id: int
    date: str  # the register's day (its file's, else its import's, in Lima), YYYY-MM-DD
    # RUC -> (desde: YYYY-MM-DD or None, resolucion or None). Tuples, and the dates interned
    # (a few hundred distinct ones): ~60,000 RUCs cost each process about 12 MB.
    members: dict


class _Copies:
    """The versions in use this process keeps, and when it last looked for new ones."""

    def __init__(self):
        self.snapshots: dict[str, _Snapshot] = {}
        self.checked_at = float("-inf")
        self.lock = threading.Lock()


_copies = process.lazy("register snapshots", _Copies)


def annotate(answer: dict) -> dict:
    """`answer` (a RUC's, from SUNAT or the padrón) with each imported register's field and
    registrosActualizadosEn, before fuente and actualizadoEn; `answer` itself when none is imported."""
    snapshots = _in_use()
    if not snapshots:
        return answer
    ruc = answer.get("ruc")
    annotated = dict(answer)  # a C-level copy; the trailer is moved back to the end below
    trailer = [(key, annotated.pop(key)) for key in _TRAILER if key in annotated]
    dates = {}
    for name, field in FIELDS.items():
        snapshot = snapshots.get(name)
        if snapshot is not None:
            member = snapshot.members.get(ruc)
            annotated[field] = {"desde": member[0], "resolucion": member[1]} if member else None
            dates[field] = snapshot.date
    annotated["registrosActualizadosEn"] = dates
    annotated.update(trailer)
    return annotated


def check() -> None:
    """Look for new versions when due. A lookup calls it before it reads the cache, so that the
    answers a new Padrón Reducido corrected are evicted before one of them could be served."""
    _in_use()


def forget() -> None:
    """Drop this process's copies: the next answer reads the versions in use again (tests)."""
    _copies.drop()


def _in_use() -> dict[str, _Snapshot]:
    copies = _copies.get()
    if time.monotonic() - copies.checked_at < CHECK_SECONDS:
        return copies.snapshots
    with copies.lock:
        if time.monotonic() - copies.checked_at >= CHECK_SECONDS:
            try:
                _refresh(copies.snapshots)
            except DatabaseError:
                # The registers are a bonus on an answer: a broken database keeps the copies we have.
                logger.exception("could not check the registers' versions")
            copies.checked_at = time.monotonic()
    return copies.snapshots


def _refresh(snapshots: dict[str, _Snapshot]) -> None:
    latest = dict(PadronVersion.objects.filter(register__in=[*FIELDS, PADRON.name]).values("register")
                  .annotate(latest=Max("id")).values_list("register", "latest"))
    # The padrón itself is not kept here; this process evicts the answers a new one corrected.
    corrections.seen(latest.pop(PADRON.name, None))
    for name in list(snapshots):
        if name not in latest:
            del snapshots[name]
    for name, version_id in latest.items():
        if name not in snapshots or snapshots[name].version_id != version_id:
            snapshots[name] = _load(name, version_id)


def _load(name: str, version_id: int) -> _Snapshot:
    version = PadronVersion.objects.get(pk=version_id)
    members = {
        ruc: (sys.intern(desde.isoformat()) if desde else None, resolucion)
        for ruc, desde, resolucion in _REGISTERS[name].model.objects.values_list("ruc", "desde", "resolucion")
    }
    # The register's day as SUNAT's (Lima's): a file of 23:00 in Lima is that day's.
    day = timezone.localdate(version.file_date or version.imported_at)
    return _Snapshot(version_id=version_id, date=day.isoformat(), members=members)
