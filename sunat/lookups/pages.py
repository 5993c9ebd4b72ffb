"""The pages a lookup serves, the ficha and each SUNAT section, as the lookup path sees them:
how to fetch one, the order of its answer's keys, and where its record is stored."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from sunat.changes import events
from sunat.models import ChangeEvent, RucRecord, RucSectionRecord, StoredLookup
from sunat.registers.corrections import UPDATED_FIELD
from sunat.registers.queries import establishments_answer, padron_answer
from sunat.upstream.clients import SECTIONS, Section, get_client
from sunat.upstream.parser import FIELDS
from sunat.upstream.sections import ttl_of

_TRAILER = ("fuente", "actualizadoEn")  # what the lookup adds to SUNAT's data


@dataclass(frozen=True)
class Page:
    name: str | None  # a section's API name (/api/ruc/<ruc>/<name>) and cache suffix; None: the ficha
    section: Section | None  # the section's declaration; None: the ficha
    keys: tuple[str, ...]  # the answer's keys, in the API's order
    fetch: Callable[[str, str], dict]  # (RUC, razón social) -> SUNAT's data, asked now
    find: Callable[[str], StoredLookup | None]  # the stored record of a RUC
    save: Callable[[str, dict, object, str], None]  # (RUC, answer, fetched at, source of its events): store it
    # The answer from an imported SUNAT register (fuente "padron") when nothing is stored:
    # None when the register lacks the RUC or was never imported. None: no register has it.
    from_register: Callable[[str], dict | None] | None = None

    @property
    def is_ficha(self) -> bool:
        return self.name is None

    @property
    def ttl(self) -> int:
        """Seconds its answer is served without asking SUNAT again."""
        return ttl_of(self.name)


def _stored(data: dict, fetched_at) -> dict:
    return {"data": data, "source": data["fuente"], "fetched_at": fetched_at}


def _save(model, key: dict, defaults: dict, source: str, changes_of=None) -> None:
    """Store an answer (the row of `key`) unless a newer one is stored already (a slower fetch, or
    one kept while the database was out: sunat.lookups.unsaved); with `changes_of`, what it finds
    changed since the answer stored before (changes_of(before's data)) is an event for the RUC's
    watchers, in the same transaction."""
    with transaction.atomic():
        before = model.objects.select_for_update().filter(**key).values_list("data", "fetched_at").first()
        if before is not None and before[1] > defaults["fetched_at"]:
            return
        model.objects.update_or_create(**key, defaults=defaults)
        if before is not None and changes_of is not None:
            events.record(key["ruc"], changes_of(before[0]), source)


def _save_ficha(ruc: str, data: dict, fetched_at, source: str = ChangeEvent.SUNAT) -> None:
    _save(RucRecord, {"ruc": ruc}, {
        **_stored(data, fetched_at),
        "razon_social": data.get("razonSocial") or "",
        "estado": data.get("estado") or "",
        "condicion": data.get("condicion") or "",
        "corrected_by": None,
    }, source, changes_of=lambda before: events.differences(before, data))


# "secciones": the sections the ficha offers (its forms), added by the client to SUNAT's data.
FICHA = Page(
    name=None,
    section=None,
    keys=(*FIELDS, "secciones", UPDATED_FIELD, *_TRAILER),
    fetch=lambda ruc, razon_social: get_client().lookup(ruc),
    find=lambda ruc: RucRecord.objects.filter(ruc=ruc).first(),
    save=_save_ficha,
    from_register=padron_answer,
)
# The sections an imported register can answer.
_REGISTER_ANSWERS = {"establecimientos": establishments_answer}


def _save_section(section: Section, ruc: str, data: dict, fetched_at, source: str) -> None:
    """A section's answer; of the watched sections, the new items are the change."""
    def new_items(before: dict) -> list[dict]:
        return events.new_items(section.key, before.get(section.key), data.get(section.key))

    _save(RucSectionRecord, {"ruc": ruc, "section": section.name}, _stored(data, fetched_at), source,
          new_items if section.name in events.WATCHED_SECTIONS else None)


def _section_page(section: Section) -> Page:
    return Page(
        name=section.name,
        section=section,
        keys=("ruc", section.key, *_TRAILER),
        fetch=lambda ruc, razon_social: {"ruc": ruc, section.key: get_client().lookup_section(ruc, section,
                                                                                              razon_social)},
        find=lambda ruc: RucSectionRecord.objects.filter(ruc=ruc, section=section.name).first(),
        save=lambda ruc, data, fetched_at, source: _save_section(section, ruc, data, fetched_at, source),
        from_register=_REGISTER_ANSWERS.get(section.name),
    )


SECTION_PAGES = {name: _section_page(section) for name, section in SECTIONS.items()}
