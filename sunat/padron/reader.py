"""Reading SUNAT's bulk files as SUNAT publishes them, as a stream.

Each file (a .txt, alone or in a zip) is single-byte text, `|`-separated with no quoting
(names contain `"`), with a header; the header and every row end with a trailing `|`; `-`
means empty. What differs from one file to another (header, fields, encoding, line ends) is
its declaration in registers.py. read_rows() yields each row as a tuple in the register's
column order with None for empty.
"""

import contextlib
import io
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO, Iterator

import requests

from sunat.padron.registers import PADRON, Register

# The Padrón Reducido's, for the callers that know no other file.
HEADER = PADRON.header
COLUMNS = PADRON.columns
EMPTY = "-"
ENCODING = PADRON.encoding
LIMA = timezone(timedelta(hours=-5))  # no daylight saving time in Peru
DOWNLOAD_TIMEOUT = 60  # seconds without a byte before a download is given up
# Bytes cp1252 leaves undefined (PostgreSQL's WIN1252 refuses them): read as "?".
_CP1252_UNDEFINED = bytes.maketrans(b"\x81\x8d\x8f\x90\x9d", b"?????")


class PadronError(Exception):
    """The file cannot be imported: what is wrong, and where (line number) when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"línea {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True)
class Validators:
    """What an HTTP answer says of the file's version, kept to tell tomorrow whether it changed."""

    size: int | None  # bytes downloaded (the zip's, not the text's)
    last_modified: datetime | None
    etag: str | None  # as sent, quotes and W/ included

    def same_file(self, other: "Validators") -> bool:
        """Size and Last-Modified equal (both known), and the ETag too when the server sends one."""
        return (self.size is not None and self.last_modified is not None and self.size == other.size
                and self.last_modified == other.last_modified and (other.etag is None or self.etag == other.etag))


class NotModified(Exception):
    """The URL still serves the file of `validators` (a 304, or the same size, date and ETag)."""


@dataclass
class Source:
    stream: BinaryIO  # the text file's bytes, decompressed
    name: str  # what was asked for: the path or URL
    size: int | None  # bytes of text, when known
    file_date: datetime | None  # when SUNAT produced the file, as far as the source tells
    validators: Validators | None = None  # a download's; None for a local file


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
def open_padron(path_or_url: str, unless: Validators | None = None) -> Iterator[Source]:
    """The padrón's text, from a zip or a bare .txt, a local path or an http(s) URL.

    With `unless` (a URL's validators from an earlier download), NotModified when the URL
    still serves that file: asked with If-None-Match / If-Modified-Since, its body not read.
    """
    with contextlib.ExitStack() as stack:
        name = str(path_or_url)
        validators = None
        if re.match(r"https?://", name):
            path, file_date, validators = _download(name, stack, unless)
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
        yield Source(stream=_CountingReader(raw), name=name, size=size, file_date=file_date, validators=validators)


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


def _download(url: str, stack: contextlib.ExitStack,
              unless: Validators | None = None) -> tuple[Path, datetime | None, Validators]:
    """Stream the URL to a temporary file (a zip is read from its end, so it must be whole)."""
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="padron-"))
    path = Path(directory) / "padron"
    try:
        with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT, headers=_conditions(unless)) as response:
            # A server may ignore the conditions: its headers alone still tell, before the body.
            if response.status_code == 304 or (
                    response.status_code == 200 and unless is not None and unless.same_file(_validators(response))):
                raise NotModified(url)
            if response.status_code != 200:
                raise PadronError(f"la descarga de {url} respondió HTTP {response.status_code}")
            size = 0
            with path.open("wb") as out:
                # iter_content, not response.raw: a transfer cut short raises a RequestException.
                for chunk in response.iter_content(chunk_size=1024 * 1024):
                    out.write(chunk)
                    size += len(chunk)
            validators = _validators(response, size)
    except requests.RequestException as exc:
        raise PadronError(f"no se pudo descargar {url}: {exc}") from exc
    return path, validators.last_modified, validators


def _conditions(unless: Validators | None) -> dict:
    headers = {}
    if unless is not None and unless.etag:
        headers["If-None-Match"] = unless.etag
    if unless is not None and unless.last_modified:
        headers["If-Modified-Since"] = format_datetime(unless.last_modified.astimezone(timezone.utc), usegmt=True)
    return headers


def _validators(response: requests.Response, size: int | None = None) -> Validators:
    """The response's Content-Length (or the bytes counted), Last-Modified and ETag."""
    if size is None:
        length = response.headers.get("Content-Length", "")
        size = int(length) if length.isdigit() else None
    try:
        last_modified = parsedate_to_datetime(response.headers["Last-Modified"])
    except (KeyError, TypeError, ValueError):
        last_modified = None
    return Validators(size=size, last_modified=last_modified, etag=response.headers.get("ETag"))


@dataclass
class Block:
    """Whole, checked lines of the file: `data` ends each line with "\n" and without the
    trailing "|" (a COPY text row with "|" as delimiter), first_line numbers its first line."""

    data: bytes
    first_line: int
    rows: int


BLOCK_SIZE = 1024 * 1024
_HEADER_LIMIT = 64 * 1024  # a first line longer than this is no header
_BLANK_LINES_RE = re.compile(rb"(?:(?<=\n)|^)\n+")


def read_blocks(source: Source, register: Register = PADRON, block_size: int = BLOCK_SIZE) -> Iterator[Block]:
    """The rows after the header, checked, in blocks of about `block_size` bytes.

    Checking a whole block is one regular expression (C speed); only a block that fails it is
    read line by line, to say which line is wrong and how. PadronError at the first bad line.
    """
    block_re = re.compile(b"(?:%s)*" % register.row_re)
    header, next_line, rest, rows = None, 2, b"", 0
    for data in _chunks(io.BufferedReader(source.stream, block_size), block_size, register):
        data = rest + data
        if header is None:
            end = data.find(b"\n")
            if end < 0 and len(data) < _HEADER_LIMIT:
                rest = data
                continue
            header, data = (data[:end], data[end + 1:]) if end >= 0 else (data, b"")
            _check_header(header, register)
        cut = data.rfind(b"\n") + 1
        data, rest = data[:cut], data[cut:]
        if data:
            block = _checked_block(data, next_line, register, block_re)
            next_line += data.count(b"\n")
            rows += block.rows
            yield block
    if header is None:
        _check_header(rest, register)
        rest = b""
    if rest:  # a last line without its newline
        block = _checked_block(rest + b"\n", next_line, register, block_re)
        rows += block.rows
        yield block
    if rows == 0:
        raise PadronError("el archivo no tiene filas después de la cabecera")


def _chunks(stream, block_size: int, register: Register) -> Iterator[bytes]:
    """The file's bytes; with a register whose lines may end in a lone CR, every line end as LF."""
    pending_cr = False
    while chunk := stream.read(block_size):
        if register.cr_line_ends:
            if pending_cr and chunk.startswith(b"\n"):
                chunk = chunk[1:]  # the LF of a CRLF cut between two chunks
            pending_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        yield chunk


def _check_header(line: bytes, register: Register) -> None:
    header = line.decode(register.encoding, "replace").rstrip("\r")
    if not register.header_re.match(header):
        raise PadronError(f"la cabecera no es la del {register.title}: {header[:200]!r}", line=1)


def _checked_block(data: bytes, first_line: int, register: Register, block_re: re.Pattern) -> Block:
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")  # Windows line ends; a CR anywhere else is an error
    lines = data
    if data.startswith(b"\n") or b"\n\n" in data:
        lines = _BLANK_LINES_RE.sub(b"", data)
    if not block_re.fullmatch(lines):
        _raise_first_error(data, first_line, register, block_re)
    lines = lines.replace(b"|\n", b"\n")
    if register.encoding == "cp1252":
        lines = lines.translate(_CP1252_UNDEFINED)
    return Block(data=lines, first_line=first_line, rows=lines.count(b"\n"))


def _raise_first_error(data: bytes, first_line: int, register: Register, block_re: re.Pattern):
    """The block failed the check: find its first bad line and say what is wrong with it."""
    columns = len(register.columns)
    for number, raw in enumerate(data.split(b"\n")[:-1], start=first_line):
        if not raw:
            continue
        line = raw.decode(register.encoding, "replace")
        shown = repr(line[:120])
        fields = raw.split(b"|")
        if len(fields) != columns + 1 or fields[-1]:
            raise PadronError(f"se esperaban {columns} campos terminados en '|' y hay {len(fields) - 1}: "
                              f"{shown}", line=number)
        if b"\r" in raw or b"\x00" in raw:
            raise PadronError(f"carácter de control no permitido (CR o NUL): {shown}", line=number)
        for index, (field, pattern) in enumerate(zip(fields, register.fields)):
            if not re.fullmatch(pattern, field):
                value = field.decode(register.encoding, "replace")
                raise PadronError(f"{_label(register, index)} no válido: {value[:20]!r}", line=number)
        if not block_re.fullmatch(raw + b"\n"):
            raise PadronError(f"fila mal formada: {shown}", line=number)
    raise PadronError("bloque mal formado", line=first_line)  # not reached: some line failed


def _label(register: Register, index: int) -> str:
    """How the operator reads a column's name in an error: RUC, ubigeo, fecha «A partir del»."""
    if index == 0:
        return "RUC"
    if register.columns[index] in register.date_columns:
        return f"fecha «{register.header[index]}»"
    return register.header[index].lower()


def rows_of(block: Block, register: Register = PADRON) -> Iterator[tuple]:
    """A checked block's rows as tuples in the register's column order, None for "-"; dates as
    YYYY-MM-DD (what a DateField stores)."""
    dates = [index for index, column in enumerate(register.columns) if column in register.date_columns]
    for line in block.data.decode(register.encoding, "replace").split("\n")[:-1]:
        row = [None if value == EMPTY else value for value in line.split("|")]
        for index in dates:
            if row[index] is not None:
                day, month, year = row[index].split("/")
                row[index] = f"{year}-{month}-{day}"
        yield tuple(row)


def read_rows(source: Source, register: Register = PADRON) -> Iterator[tuple]:
    """Each data row as a tuple in the register's column order, None for empty; PadronError at
    the first bad line."""
    for block in read_blocks(source, register):
        yield from rows_of(block, register)
