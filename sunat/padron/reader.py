"""Reading the Padrón Reducido RUC as SUNAT publishes it, as a stream.

The file (`padron_reducido_ruc.txt`, alone or in a zip) is ISO-8859-1, `|`-separated with no
quoting (names contain `"`), with a header; the header and every row end with a trailing `|`;
`-` means empty. read_rows() yields each row as a tuple in COLUMNS order with None for empty.
"""

import contextlib
import io
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO, Iterator

import requests

HEADER = (
    "RUC", "NOMBRE O RAZÓN SOCIAL", "ESTADO DEL CONTRIBUYENTE", "CONDICIÓN DE DOMICILIO", "UBIGEO",
    "TIPO DE VÍA", "NOMBRE DE VÍA", "CÓDIGO DE ZONA", "TIPO DE ZONA", "NÚMERO", "INTERIOR", "LOTE",
    "DEPARTAMENTO", "MANZANA", "KILÓMETRO",
)
# sunat.models.PadronEntry's columns, in the file's order.
COLUMNS = (
    "ruc", "razon_social", "estado", "condicion", "ubigeo", "tipo_via", "nombre_via", "codigo_zona",
    "tipo_zona", "numero", "interior", "lote", "dpto", "manzana", "kilometro",
)
EMPTY = "-"
ENCODING = "iso-8859-1"
LIMA = timezone(timedelta(hours=-5))  # no daylight saving time in Peru
DOWNLOAD_TIMEOUT = 60  # seconds without a byte before a download is given up

# Copies of the file passed through a UTF-8 tool carry U+FFFD (or its Latin-1 reading) where
# the accents were: a header letter outside ASCII matches any such run.
_HEADER_RE = re.compile(
    "".join(re.escape(ch) if ch.isascii() else "[^|]+" for ch in "|".join(HEADER) + "|") + r"\r?\n?\Z"
)


class PadronError(Exception):
    """The file cannot be imported: what is wrong, and where (line number) when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"línea {self.line}: {self.message}" if self.line is not None else self.message


@dataclass
class Source:
    stream: BinaryIO  # the text file's bytes, decompressed
    name: str  # what was asked for: the path or URL
    size: int | None  # bytes of text, when known
    file_date: datetime | None  # when SUNAT produced the file, as far as the source tells


class _CountingReader(io.RawIOBase):
    """Counts the bytes read through it: the importer's progress within the file."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            data = self.raw.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # a zip cut short or corrupted inside
            raise PadronError(f"el archivo zip está dañado ({exc})") from exc
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@contextlib.contextmanager
def open_padron(path_or_url: str) -> Iterator[Source]:
    """The padrón's text, from a zip or a bare .txt, a local path or an http(s) URL."""
    with contextlib.ExitStack() as stack:
        name = str(path_or_url)
        if re.match(r"https?://", name):
            path, file_date = _download(name, stack)
        else:
            path = Path(name)
            if not path.is_file():
                raise PadronError(f"no existe el archivo {name}")
            file_date = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        with path.open("rb") as probe:
            is_zip = probe.read(4) == b"PK\x03\x04"
        if is_zip:
            raw, size, file_date = _open_zip_member(path, stack)
        else:
            raw, size = stack.enter_context(path.open("rb")), path.stat().st_size
        yield Source(stream=_CountingReader(raw), name=name, size=size, file_date=file_date)


def _open_zip_member(path: Path, stack: contextlib.ExitStack):
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except zipfile.BadZipFile as exc:
        raise PadronError(f"el archivo zip está dañado ({exc})") from exc
    members = [info for info in archive.infolist() if not info.is_dir()]
    texts = [info for info in members if info.filename.lower().endswith(".txt")] or members
    if len(texts) != 1:
        raise PadronError(f"el zip debe contener un solo archivo .txt; contiene: {[i.filename for i in members]}")
    info = texts[0]
    # The zip stores local time without a zone; SUNAT is in Lima (UTC-5, no daylight saving).
    file_date = datetime(*info.date_time, tzinfo=LIMA)
    return stack.enter_context(archive.open(info)), info.file_size, file_date


def _download(url: str, stack: contextlib.ExitStack) -> tuple[Path, datetime | None]:
    """Stream the URL to a temporary file (a zip is read from its end, so it must be whole)."""
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="padron-"))
    path = Path(directory) / "padron"
    try:
        with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
            if response.status_code != 200:
                raise PadronError(f"la descarga de {url} respondió HTTP {response.status_code}")
            with path.open("wb") as out:
                # iter_content, not response.raw: a transfer cut short raises a RequestException.
                for chunk in response.iter_content(chunk_size=1024 * 1024):
                    out.write(chunk)
            last_modified = response.headers.get("Last-Modified")
    except requests.RequestException as exc:
        raise PadronError(f"no se pudo descargar {url}: {exc}") from exc
    try:
        file_date = parsedate_to_datetime(last_modified) if last_modified else None
    except (TypeError, ValueError):
        file_date = None
    return path, file_date


@dataclass
class Block:
    """Whole, checked lines of the file: `data` ends each line with "\n" and without the
    trailing "|" (a COPY text row with "|" as delimiter), first_line numbers its first line."""

    data: bytes
    first_line: int
    rows: int


BLOCK_SIZE = 1024 * 1024
_FIELD = rb"[^|\n\r\x00]*"
# A row: an 11-digit RUC, 15 fields each closed by "|", an ubigeo of at most 6 characters.
_ROW = rb"\d{11}\|(?:%s\|){3}[^|\n\r\x00]{0,6}\|(?:%s\|){10}\n" % (_FIELD, _FIELD)
_BLOCK_RE = re.compile(rb"(?:%s)*" % _ROW)
_BLANK_LINES_RE = re.compile(rb"(?:(?<=\n)|^)\n+")


def read_blocks(source: Source, block_size: int = BLOCK_SIZE) -> Iterator[Block]:
    """The rows after the header, checked, in blocks of about `block_size` bytes.

    Checking a whole block is one regular expression (C speed); only a block that fails it is
    read line by line, to say which line is wrong and how. PadronError at the first bad line.
    """
    stream = io.BufferedReader(source.stream, block_size)
    header = stream.readline().decode(ENCODING)
    if not _HEADER_RE.match(header):
        shown = header[:200].rstrip("\r\n")
        raise PadronError(f"la cabecera no es la del Padrón Reducido RUC: {shown!r}", line=1)
    next_line, rest, rows = 2, b"", 0
    while True:
        data = stream.read(block_size)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n") + 1
        data, rest = data[:cut], data[cut:]
        if data:
            block = _checked_block(data, next_line)
            next_line += data.count(b"\n")
            rows += block.rows
            yield block
    if rest:  # a last line without its newline
        block = _checked_block(rest + b"\n", next_line)
        rows += block.rows
        yield block
    if rows == 0:
        raise PadronError("el archivo no tiene filas después de la cabecera")


def _checked_block(data: bytes, first_line: int) -> Block:
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")  # Windows line ends; a CR anywhere else is an error
    lines = data
    if data.startswith(b"\n") or b"\n\n" in data:
        lines = _BLANK_LINES_RE.sub(b"", data)
    if not _BLOCK_RE.fullmatch(lines):
        _raise_first_error(data, first_line)
    return Block(data=lines.replace(b"|\n", b"\n"), first_line=first_line, rows=lines.count(b"\n"))


def _raise_first_error(data: bytes, first_line: int):
    """The block failed the check: find its first bad line and say what is wrong with it."""
    for number, raw in enumerate(data.split(b"\n")[:-1], start=first_line):
        if not raw:
            continue
        line = raw.decode(ENCODING)
        shown = repr(line[:120])
        fields = line.split("|")
        if len(fields) != len(COLUMNS) + 1 or fields[-1]:
            raise PadronError(f"se esperaban {len(COLUMNS)} campos terminados en '|' y hay {len(fields) - 1}: "
                              f"{shown}", line=number)
        ruc, ubigeo = fields[0], fields[4]
        if len(ruc) != 11 or not (ruc.isascii() and ruc.isdigit()):
            raise PadronError(f"RUC no válido: {ruc[:20]!r}", line=number)
        if len(ubigeo) > 6:
            raise PadronError(f"ubigeo no válido: {ubigeo[:20]!r}", line=number)
        if "\r" in line or "\x00" in line:
            raise PadronError(f"carácter de control no permitido (CR o NUL): {shown}", line=number)
        if not _BLOCK_RE.fullmatch(raw + b"\n"):
            raise PadronError(f"fila mal formada: {shown}", line=number)
    raise PadronError("bloque mal formado", line=first_line)  # not reached: some line failed


def rows_of(block: Block) -> Iterator[tuple]:
    """A checked block's rows as tuples in COLUMNS order, None for "-"."""
    for line in block.data.decode(ENCODING).split("\n")[:-1]:
        yield tuple(None if value == EMPTY else value for value in line.split("|"))


def read_rows(source: Source) -> Iterator[tuple]:
    """Each data row as a tuple in COLUMNS order, None for empty; PadronError at the first bad line."""
    for block in read_blocks(source):
        yield from rows_of(block)
