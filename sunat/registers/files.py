"""SUNAT's bulk files, one small declaration each: what to download, how its lines look, which
table they fill. The reader (reader.py) and the importer (importer.py) work from these alone.

Formats as SUNAT publishes them and as open-source importers read them (the real 2024
AgenRet_TXT.txt of UntelsCar/programa_facturaci-n_parcial and the real 2026 BueCont_TXT.txt
of EduardoAEGES/taxproject, both CR-terminated cp1252 with the header
"Ruc|Nombre/Razon|A partir del|Resolucion|"; AgenPerc and AgenPercVI only from importers'
code, which reads them the same way).

The establishments' file (padron_reducido_local_anexo.zip, beside the padrón on SUNAT's
mrc137_padron_reducido.html) has no public copy we could read: its columns are the order two
independent importers load it in (a Laravel `LOAD DATA ... (loc_ruc, loc_ubigeo, loc_tipo_via,
loc_nombre_via, loc_codigo_zona, loc_tipo_zona, loc_numero, loc_kilometro, loc_interior,
loc_lote, loc_departamento, loc_manzana, ...)` and a PostgreSQL `COPY sunat_anexos` script that
then deletes the row whose ubigeo is 'UBIGEO', the header); a pandas script reads the first
header field as " RUC" in one version, so a header may start with blanks. Several rows per RUC,
Latin-1, LF line ends per those importers. A file whose header differs is refused, never misread.
"""

import re
from dataclasses import dataclass

from django.apps import apps

_FIELD = rb"[^|\n\r\x00]*"
_RUC = rb"\d{11}"
_UBIGEO = rb"[^|\n\r\x00]{0,6}"
_DATE = rb"\d{2}/\d{2}/\d{4}"


@dataclass(frozen=True)
class Register:
    name: str  # the register's name: versions, the command's --registro, settings
    title: str  # what the operator reads
    url_setting: str  # the setting holding SUNAT's URL of the file
    model_name: str  # the model of the table it fills, whole (by name: this module needs no Django setup)
    header: tuple[str, ...]  # the first line's fields
    columns: tuple[str, ...]  # the model's columns, in the file's order
    fields: tuple[bytes, ...]  # a regular expression of each field's bytes, in the same order
    encoding: str  # Python's codec of the file
    file_name: str  # the .txt inside SUNAT's zip
    date_columns: tuple[str, ...] = ()  # dd/mm/yyyy
    # Lines end in a lone CR (the agents' files) as well as LF or CRLF.
    cr_line_ends: bool = False
    # (column, the answer's field) whose changes between versions are recorded and corrected in
    # stored answers (sunat.registers.changes).
    tracked: tuple[tuple[str, str], ...] = ()
    # The field of every answer about a RUC this register fills (sunat.registers.annotations), if any:
    # a watched RUC that enters or leaves it is a change of that field.
    answer_field: str | None = None

    @property
    def model(self):
        return apps.get_model("sunat", self.model_name)

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def pg_encoding(self) -> str:
        """PostgreSQL's name of the file's encoding (COPY ... ENCODING)."""
        return {"iso-8859-1": "LATIN1", "cp1252": "WIN1252"}[self.encoding]

    @property
    def row_re(self) -> bytes:
        """One checked line: every field closed by "|"."""
        return b"".join(field + rb"\|" for field in self.fields) + b"\n"

    @property
    def header_re(self) -> re.Pattern:
        # Copies passed through a UTF-8 tool carry U+FFFD (or its Latin-1 reading) where the
        # accents were: a header letter outside ASCII matches any such run.
        text = "|".join(self.header) + "|"
        return re.compile(r"\s*" + "".join(re.escape(ch) if ch.isascii() else "[^|]+" for ch in text) + r"\s*\Z")


PADRON = Register(
    name="padron", title="Padrón Reducido RUC", url_setting="PADRON_URL", model_name="PadronEntry",
    header=("RUC", "NOMBRE O RAZÓN SOCIAL", "ESTADO DEL CONTRIBUYENTE", "CONDICIÓN DE DOMICILIO", "UBIGEO",
            "TIPO DE VÍA", "NOMBRE DE VÍA", "CÓDIGO DE ZONA", "TIPO DE ZONA", "NÚMERO", "INTERIOR", "LOTE",
            "DEPARTAMENTO", "MANZANA", "KILÓMETRO"),
    columns=("ruc", "razon_social", "estado", "condicion", "ubigeo", "tipo_via", "nombre_via", "codigo_zona",
             "tipo_zona", "numero", "interior", "lote", "dpto", "manzana", "kilometro"),
    fields=(_RUC, _FIELD, _FIELD, _FIELD, _UBIGEO, *[_FIELD] * 10),
    encoding="iso-8859-1", file_name="padron_reducido_ruc.txt",
    tracked=(("estado", "estado"), ("condicion", "condicion")),
)

_AGENTS_HEADER = ("Ruc", "Nombre/Razon", "A partir del", "Resolucion")
_AGENTS_COLUMNS = ("ruc", "razon_social", "desde", "resolucion")
# A name may hold a TAB, quotes, cp1252's curly quotes and dashes; never a "|".
_AGENTS_FIELDS = (_RUC, _FIELD, _DATE, _FIELD)


def _agents(name: str, title: str, url_setting: str, model_name: str, file_name: str, answer_field: str) -> Register:
    return Register(
        name=name, title=title, url_setting=url_setting, model_name=model_name, header=_AGENTS_HEADER,
        columns=_AGENTS_COLUMNS, fields=_AGENTS_FIELDS, encoding="cp1252", file_name=file_name,
        date_columns=("desde",), cr_line_ends=True, answer_field=answer_field,
    )


AGENTES_RETENCION = _agents("agentes-retencion", "Agentes de retención", "AGENTES_RETENCION_URL", "AgenteRetencion",
                            "AgenRet_TXT.txt", "agenteRetencion")
AGENTES_PERCEPCION = _agents("agentes-percepcion", "Agentes de percepción", "AGENTES_PERCEPCION_URL",
                             "AgentePercepcion", "AgenPerc_TXT.txt", "agentePercepcion")
AGENTES_PERCEPCION_VI = _agents("agentes-percepcion-vi", "Agentes de percepción (venta interna)",
                                "AGENTES_PERCEPCION_VI_URL", "AgentePercepcionVentaInterna", "AgenPercVI_TXT.txt",
                                "agentePercepcionVentaInterna")
BUENOS_CONTRIBUYENTES = _agents("buenos-contribuyentes", "Buenos contribuyentes", "BUENOS_CONTRIBUYENTES_URL",
                                "BuenContribuyente", "BueCont_TXT.txt", "buenContribuyente")

ESTABLECIMIENTOS_ANEXOS = Register(
    name="establecimientos-anexos", title="Establecimientos anexos", url_setting="ESTABLECIMIENTOS_ANEXOS_URL",
    model_name="EstablecimientoAnexo",
    header=("RUC", "UBIGEO", "TIPO DE VÍA", "NOMBRE DE VÍA", "CÓDIGO DE ZONA", "TIPO DE ZONA", "NÚMERO",
            "KILÓMETRO", "INTERIOR", "LOTE", "DEPARTAMENTO", "MANZANA"),
    columns=("ruc", "ubigeo", "tipo_via", "nombre_via", "codigo_zona", "tipo_zona", "numero", "kilometro",
             "interior", "lote", "dpto", "manzana"),
    fields=(_RUC, _UBIGEO, *[_FIELD] * 10),
    encoding="iso-8859-1", file_name="padron_reducido_local_anexo.txt",
)

# The order of a sync. A register's index is its import lock's number (importer.py): a new one goes last.
REGISTERS = {register.name: register for register in (
    PADRON, AGENTES_RETENCION, AGENTES_PERCEPCION, AGENTES_PERCEPCION_VI, BUENOS_CONTRIBUYENTES,
    ESTABLECIMIENTOS_ANEXOS,
)}
