"""Where a SUNAT file comes from: a local path or an http(s) URL, a zip or a bare .txt, opened
as a stream of the text's bytes (reader.py reads its lines).

A download is conditional when the validators of the version in use are given: a 304, or the
same size, Last-Modified and ETag, raises NotModified without reading the body.
"""

import contextlib
import io
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

import requests

LIMA = timezone(timedelta(hours=-5))  # no daylight saving time in Peru
DOWNLOAD_TIMEOUT = 60  # seconds without a byte before a download is given up


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
            file_date = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
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
        headers["If-Modified-Since"] = format_datetime(unless.last_modified.astimezone(UTC), usegmt=True)
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
