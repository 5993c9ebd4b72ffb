"""Reading SUNAT's bulk files as SUNAT publishes them, as a stream.

Each file (a .txt, alone or in a zip, opened by sources.py) is single-byte text, `|`-separated with no quoting
(names contain `"`), with a header; the header and every row end with a trailing `|`; `-`
means empty. What differs from one file to another (header, fields, encoding, line ends) is
its declaration in files.py. read_rows() yields each row as a tuple in the register's
column order with None for empty.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sunat.registers.files import PADRON, Register
from sunat.registers.sources import PadronError, Source

# The Padrón Reducido's, for the callers that know no other file.
HEADER = PADRON.header
COLUMNS = PADRON.columns
EMPTY = "-"
ENCODING = PADRON.encoding
# Bytes cp1252 leaves undefined (PostgreSQL's WIN1252 refuses them): read as "?".
_CP1252_UNDEFINED = bytes.maketrans(b"\x81\x8d\x8f\x90\x9d", b"?????")


@dataclass
class Block:
    """Whole, checked lines of the file: `data` ends each line with "\n" and without the
    trailing "|" (a COPY text row with "|" as delimiter), first_line numbers its first line."""

    data: bytes
    first_line: int
    rows: int


BLOCK_SIZE = 1024 * 1024
_HEADER_LIMIT = 64 * 1024  # a first line longer than this is no header
# The longest real row is a few hundred bytes: a line this long is refused as it is read, before a
# file of one endless line (a few hundred KB zipped) is held in memory whole.
MAX_LINE = 64 * 1024
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
        if len(rest) > MAX_LINE:
            raise PadronError(f"una línea de más de {MAX_LINE:,} bytes: ninguna fila real es tan larga",
                              line=next_line + data.count(b"\n"))
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
        for index, (field, pattern) in enumerate(zip(fields, register.fields, strict=False)):
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
