"""Answers from the imported Padrón Reducido: one RUC (search.py searches by name), and its
annexed establishments from the establishments' register.

Each hit has the same JSON: the fields the padrón has, the address put together the way
SUNAT's page prints it, and departamento/provincia/distrito named from the ubigeo.
"""


from django.core.cache import cache

from sunat import ubigeo
from sunat.clock import api_time
from sunat.models import EstablecimientoAnexo, PadronEntry, PadronVersion
from sunat.registers.files import ESTABLECIMIENTOS_ANEXOS, PADRON, Register
from sunat.registers.importer import version_cache_key

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


def establishments_answer(ruc: str) -> dict | None:
    """A RUC's annexed establishments as the establishments section's JSON, from the register
    (fuente "padron"; an empty list when it lists none); None when it was never imported."""
    updated = current_version_date(ESTABLECIMIENTOS_ANEXOS)
    if updated is None:
        return None
    establishments = []
    for entry in EstablecimientoAnexo.objects.filter(ruc=ruc).order_by("id"):
        direccion, district = _address(entry)
        establishments.append({
            "codigo": None, "tipo": None,  # the file has neither; SUNAT's section (?fresh=true) does
            "direccion": direccion, "ubigeo": entry.ubigeo,
            "departamento": district.departamento if district else None,
            "provincia": district.provincia if district else None,
            "distrito": district.distrito if district else None,
            "actividadEconomica": None,
        })
    return {"ruc": ruc, "establecimientos": establishments, "fuente": "padron", "actualizadoEn": updated}


def current_version_date(register: Register = PADRON) -> str | None:
    """When the register in use was produced (the file's date, else its import), cached briefly:
    every answer carries it as actualizadoEn, in the format of SUNAT answers' actualizadoEn."""
    key = version_cache_key(register)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    version = PadronVersion.objects.filter(register=register.name).order_by("-imported_at").first()
    value = ""
    if version is not None:
        value = api_time(version.file_date or version.imported_at)
    cache.set(key, value, VERSION_CACHE_SECONDS)
    return value or None


def as_answer(entry: PadronEntry, updated: str | None) -> dict:
    direccion, district = _address(entry)
    return {
        "ruc": entry.ruc,
        "razonSocial": entry.razon_social or None,
        "estado": entry.estado,
        "condicion": entry.condicion,
        "direccion": direccion,
        "ubigeo": entry.ubigeo,
        "departamento": district.departamento if district else None,
        "provincia": district.provincia if district else None,
        "distrito": district.distrito if district else None,
        "domicilio": {key: _value(getattr(entry, field)) for key, field in _DOMICILIO_KEYS},
        "fuente": "padron",
        "actualizadoEn": updated,
    }


def _address(entry) -> tuple[str | None, ubigeo.District | None]:
    """An entry's address parts (the padrón's, or an establishment's) as SUNAT's page prints the
    address, ended by its place; and the district its ubigeo names."""
    district = ubigeo.district(entry.ubigeo) if entry.ubigeo else None
    street = " ".join(f"{label}{value}" for value, label in
                      ((_value(getattr(entry, field)), label) for field, label in _ADDRESS_PARTS) if value)
    place = " - ".join((district.departamento, district.provincia, district.distrito)) if district else ""
    return " ".join(part for part in (street, place) if part) or None, district


def _value(value: str | None) -> str | None:
    """None for the padrón's empty markers: "-" is read as NULL, "----" and the like are not."""
    if value is None or not value.strip("- "):
        return None
    return value
