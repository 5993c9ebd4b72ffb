"""Answers from the imported Padrón Reducido: one RUC (search.py searches by name).

Each hit has the same JSON: the fields the padrón has, the address put together the way
SUNAT's page prints it, and departamento/provincia/distrito named from the ubigeo.
"""

from datetime import timezone

from django.core.cache import cache

from sunat import ubigeo
from sunat.models import PadronEntry, PadronVersion
from sunat.padron.importer import VERSION_CACHE_KEY

# An import runs in another process (the scheduler, a command) and its deletion of the key
# reaches no LocMem: each process sees a new version within this many seconds (one query each).
VERSION_CACHE_SECONDS = 2
# The address parts in the order SUNAT writes them, each with its label. The padrón's
# "CÓDIGO DE ZONA" holds the zone's kind (URB., A.H.) and "TIPO DE ZONA" its name.
_ADDRESS_PARTS = (
    ("tipo_via", ""), ("nombre_via", ""), ("numero", "NRO. "), ("interior", "INT. "), ("dpto", "DPTO. "),
    ("manzana", "MZA. "), ("lote", "LOTE. "), ("kilometro", "KM. "), ("codigo_zona", ""), ("tipo_zona", ""),
)
_DOMICILIO_KEYS = (
    ("tipoVia", "tipo_via"), ("nombreVia", "nombre_via"), ("codigoZona", "codigo_zona"),
    ("tipoZona", "tipo_zona"), ("numero", "numero"), ("interior", "interior"), ("lote", "lote"),
    ("departamento", "dpto"), ("manzana", "manzana"), ("kilometro", "kilometro"),
)


def padron_answer(ruc: str) -> dict | None:
    """The padrón's row for a RUC as the API's JSON, or None when the padrón lacks it."""
    entry = PadronEntry.objects.filter(ruc=ruc).first()
    return as_answer(entry, current_version_date()) if entry is not None else None


def current_version_date() -> str | None:
    """When the padrón in use was produced (the file's date, else its import), cached briefly:
    every answer carries it as actualizadoEn, in the format of SUNAT answers' actualizadoEn."""
    cached = cache.get(VERSION_CACHE_KEY)
    if cached is not None:
        return cached or None
    version = PadronVersion.objects.filter(register="padron").order_by("-imported_at").first()
    value = ""
    if version is not None:
        value = (version.file_date or version.imported_at).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cache.set(VERSION_CACHE_KEY, value, VERSION_CACHE_SECONDS)
    return value or None


def as_answer(entry: PadronEntry, updated: str | None) -> dict:
    district = ubigeo.district(entry.ubigeo) if entry.ubigeo else None
    street = " ".join(f"{label}{value}" for value, label in
                      ((_value(getattr(entry, field)), label) for field, label in _ADDRESS_PARTS) if value)
    place = " - ".join((district.departamento, district.provincia, district.distrito)) if district else ""
    return {
        "ruc": entry.ruc,
        "razonSocial": entry.razon_social or None,
        "estado": entry.estado,
        "condicion": entry.condicion,
        "direccion": " ".join(part for part in (street, place) if part) or None,
        "ubigeo": entry.ubigeo,
        "departamento": district.departamento if district else None,
        "provincia": district.provincia if district else None,
        "distrito": district.distrito if district else None,
        "domicilio": {key: _value(getattr(entry, field)) for key, field in _DOMICILIO_KEYS},
        "fuente": "padron",
        "actualizadoEn": updated,
    }


def _value(value: str | None) -> str | None:
    """None for the padrón's empty markers: "-" is read as NULL, "----" and the like are not."""
    if value is None or not value.strip("- "):
        return None
    return value
