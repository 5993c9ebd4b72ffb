"""Padrón Reducido files for the tests: generated ones, handmade rows, and a loopback HTTP server.

Everything is written into the test's tmp_path; nothing here touches the database.
"""

import contextlib
import threading
import zipfile
from datetime import datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from devtools.padron_generator import generate_rows, write_padron
from sunat.registers.reader import BLOCK_SIZE, ENCODING, HEADER
from sunat.registers.sources import LIMA
from tests.support.paths import SHARED_SUNAT

# SUNAT's own 2018 sample (1,000 rows, accents damaged to U+FFFD), next to the repository when available.
SAMPLE = SHARED_SUNAT / "padron" / "padron_reducido_ruc_sample_2018.zip"

# Generated rows for a file of about three of the reader's blocks (a generated row is under 100 bytes): its
# import reports progress between blocks, so a test can stop it while it loads.
SEVERAL_BLOCKS = 3 * BLOCK_SIZE // 95

HEADER_LINE = "|".join(HEADER) + "|"
# The header as the 2018 sample has it: each accented letter became U+FFFD, written as UTF-8.
DAMAGED_HEADER = "".join(ch if ch.isascii() else "\ufffd" for ch in HEADER_LINE).encode("utf-8")

# Handmade rows (15 fields, "-" for empty), in the file's column order.
COMPANY = "20573215045"  # the replica has SUNAT's captured page for it: LEAD WORKING PARTNER SAC
COMPANY_ROW = [COMPANY, "LEAD WORKING PARTNER S.A.C.", "ACTIVO", "HABIDO", "100601", "JR.", "JOSE CRESPO Y CASTILLO",
               "-", "-", "316", "-", "-", "-", "-", "-"]
ENIE = "20600000005"
ENIE_ROW = [ENIE, 'PEÑA & NUÑEZ "EL ÑANDÚ" E.I.R.L.', "ACTIVO", "HABIDO", "150122", "AV.", "JOSÉ PARDO", "URB.",
            "SAN ANDRÉS", "601", "1603", "-", "-", "-", "-"]
PERSON = "10456789019"
PERSON_ROW = [PERSON, "ÑAUPARI CASTAÑEDA MARÍA ELENA", "BAJA DE OFICIO", "NO HABIDO", "-", "-", "-", "----",
              "-", "-", "-", "-", "-", "-", "-"]
ROAD = "20100069530"
ROAD_ROW = [ROAD, "VOLVO DEL PERU", "BAJA DEFINITIVA", "HABIDO", "150103", "CAR.", "CENTRAL", "-", "-", "6.5",
            "-", "12", "-", "B4", "6.5"]
HANDMADE = [COMPANY_ROW, ENIE_ROW, PERSON_ROW, ROAD_ROW]


def line(fields) -> str:
    """One row as the file writes it: fields joined and closed by "|"."""
    return "|".join(fields) + "|"


def as_tuple(fields) -> tuple:
    """What read_rows yields (and the table holds) for a row: None for "-"."""
    return tuple(None if value == "-" else value for value in fields)


def write_lines(path, lines, newline="\n", header=HEADER_LINE, encoding=ENCODING) -> Path:
    """A .txt padrón from text lines (the header first unless header is None), Latin-1 by default."""
    path = Path(path)
    text = "".join(f"{item}{newline}" for item in ([header] if header is not None else []) + list(lines))
    path.write_bytes(text.encode(encoding))
    return path


def write_rows(path, rows, newline="\n", date_time=(2024, 3, 15, 6, 30, 0)) -> Path:
    """A padrón of the given rows: a .zip (one padron_reducido_ruc.txt inside, dated `date_time`
    in Lima) or a bare .txt."""
    path = Path(path)
    if path.suffix.lower() != ".zip":
        return write_lines(path, [line(fields) for fields in rows], newline)
    text = write_lines(path.with_suffix(".txt"), [line(fields) for fields in rows], newline)
    write_zip(path, {"padron_reducido_ruc.txt": text.read_bytes()}, date_time=date_time)
    text.unlink()
    return path


def later() -> tuple:
    """A zip date (Lima) after every lookup the test makes: the register is newer than them."""
    when = (datetime.now(LIMA) + timedelta(minutes=2)).replace(microsecond=0)
    return when.replace(second=when.second // 2 * 2).timetuple()[:6]  # a zip's times go by 2 s


def write_zip(path, members: dict, date_time=(2024, 3, 15, 6, 30, 0)) -> Path:
    """A zip holding `members` (name -> bytes), each dated `date_time` (the zip's local time)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=date_time), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def generated(path, count: int, seed: int = 0, newline: str = "\n") -> tuple[Path, list[tuple]]:
    """A generated padrón at `path` and its rows as read_rows yields them."""
    write_padron(path, count, seed=seed, newline=newline)
    return Path(path), [as_tuple(fields) for fields in generate_rows(count, seed)]


def garbage_deflate_zip(path) -> Path:
    """A zip whose directory is intact but whose compressed bytes are not a deflate stream."""
    path, _ = generated(path, 2000)
    with zipfile.ZipFile(path) as archive:
        (info,) = archive.infolist()
    data = bytearray(path.read_bytes())
    name_length = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start:start + info.compress_size] = b"\xff" * info.compress_size  # block type 3: invalid
    path.write_bytes(bytes(data))
    return path


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def http_server(directory, handler=QuietHandler):
    """A plain HTTP server on a free loopback port serving `directory`; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class CutShortHandler(QuietHandler):
    """Announces the whole file's Content-Length, sends half of it and closes the connection."""

    def do_GET(self):
        data = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
