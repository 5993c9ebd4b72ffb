"""Reading the Padrón Reducido RUC file (sunat.registers.reader) and writing one (devtools.padron_generator)."""

import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime

import pytest

from devtools.padron_generator import generate_rows, write_padron
from devtools.replica.rucs import is_valid_ruc
from sunat.registers.reader import BLOCK_SIZE, COLUMNS, read_rows
from sunat.registers.sources import PadronError, open_padron
from sunat.ubigeo import district
from tests.support.padron_files import (
    COMPANY_ROW,
    DAMAGED_HEADER,
    ENIE_ROW,
    HANDMADE,
    HEADER_LINE,
    PERSON_ROW,
    ROAD_ROW,
    SAMPLE,
    SEVERAL_BLOCKS,
    CutShortHandler,
    as_tuple,
    garbage_deflate_zip,
    generated,
    http_server,
    line,
    write_lines,
    write_rows,
    write_zip,
)
from tests.support.paths import PROJECT_ROOT

# Files in tmp_path and a loopback HTTP server of the test's own: no database, no cache.
pytestmark = pytest.mark.standalone



def read_all(path_or_url) -> list[tuple]:
    with open_padron(path_or_url) as source:
        return list(read_rows(source))


def read_error(path_or_url) -> PadronError:
    with pytest.raises(PadronError) as caught:
        read_all(path_or_url)
    return caught.value


# Rows ------------------------------------------------------------------------

def test_generated_zip_reads_back_every_row_in_column_order(tmp_path):
    path, expected = generated(tmp_path / "padron.zip", 2000, seed=3)

    rows = read_all(path)

    assert rows == expected
    assert all(len(row) == len(COLUMNS) for row in rows)


def test_bare_txt_and_zip_give_the_same_rows(tmp_path):
    write_padron(tmp_path / "padron.txt", 500, seed=1)
    write_padron(tmp_path / "padron.zip", 500, seed=1)

    assert read_all(tmp_path / "padron.txt") == read_all(tmp_path / "padron.zip")


def test_crlf_and_lf_files_give_the_same_rows(tmp_path):
    lf, expected = generated(tmp_path / "lf.txt", 800, seed=2)
    crlf, _ = generated(tmp_path / "crlf.zip", 800, seed=2, newline="\r\n")
    with zipfile.ZipFile(crlf) as archive:
        assert archive.read("padron_reducido_ruc.txt").count(b"\r\n") == 801

    assert read_all(lf) == read_all(crlf) == expected


def test_handmade_crlf_rows_keep_no_carriage_return(tmp_path):
    path = write_rows(tmp_path / "padron.txt", HANDMADE, newline="\r\n")

    rows = read_all(path)

    assert rows == [as_tuple(fields) for fields in HANDMADE]
    assert not any("\r" in value for row in rows for value in row if value)


def test_latin1_names_with_enie_accents_and_quotes_round_trip(tmp_path):
    path = write_rows(tmp_path / "padron.txt", [ENIE_ROW, PERSON_ROW])
    raw = path.read_bytes()
    assert 'PEÑA & NUÑEZ "EL ÑANDÚ" E.I.R.L.'.encode("iso-8859-1") in raw  # one byte per letter, no quoting

    enie, person = read_all(path)

    assert enie[1] == 'PEÑA & NUÑEZ "EL ÑANDÚ" E.I.R.L.'
    assert (enie[6], enie[8]) == ("JOSÉ PARDO", "SAN ANDRÉS")
    assert person[1] == "ÑAUPARI CASTAÑEDA MARÍA ELENA"


def test_every_latin1_character_but_separators_survives(tmp_path):
    # Characters that str.splitlines() would split on (\x0b \x0c \x1c-\x1e \x85) are data here.
    others = "".join(chr(code) for code in range(0x01, 0x100) if chr(code) not in "\n\r|")
    fields = [COMPANY_ROW[0], f"{others} '\"´¨ºª°", *COMPANY_ROW[2:]]

    (row,) = read_all(write_rows(tmp_path / "padron.txt", [fields]))

    assert row[1] == fields[1]


def test_dash_is_none_and_four_dashes_are_kept(tmp_path):
    (row,) = read_all(write_rows(tmp_path / "padron.txt", [PERSON_ROW]))

    assert row[4] is None  # ubigeo "-"
    assert row[7] == "----"  # código de zona, as SUNAT writes it for some rows
    assert row[5:7] == (None, None) and row[8:] == (None,) * 7


def test_values_that_only_contain_dashes_or_spaces_are_kept(tmp_path):
    fields = [*ROAD_ROW[:9], "--", " - ", "-1", *ROAD_ROW[12:]]

    (row,) = read_all(write_rows(tmp_path / "padron.txt", [fields]))

    assert row[9:12] == ("--", " - ", "-1")


def test_blank_lines_are_skipped_and_a_last_line_without_newline_is_read(tmp_path):
    path = tmp_path / "padron.txt"
    text = f"{HEADER_LINE}\n\n{line(COMPANY_ROW)}\n\n\n{line(ENIE_ROW)}\n{line(ROAD_ROW)}"
    path.write_bytes(text.encode("iso-8859-1"))

    assert read_all(path) == [as_tuple(COMPANY_ROW), as_tuple(ENIE_ROW), as_tuple(ROAD_ROW)]


@pytest.mark.slow
def test_rows_spanning_several_read_blocks_are_all_read_in_order(tmp_path):
    path, expected = generated(tmp_path / "padron.txt", SEVERAL_BLOCKS, seed=4)
    assert path.stat().st_size > 2 * BLOCK_SIZE

    assert read_all(path) == expected


# Header ----------------------------------------------------------------------

def test_exact_latin1_header_is_accepted(tmp_path):
    path = write_rows(tmp_path / "padron.txt", [COMPANY_ROW])
    assert path.read_bytes().startswith(HEADER_LINE.encode("iso-8859-1"))
    assert b"RAZ\xd3N" in path.read_bytes()

    assert read_all(path) == [as_tuple(COMPANY_ROW)]


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(DAMAGED_HEADER, id="utf8-replacement-character"),
        pytest.param(HEADER_LINE.encode("utf-8"), id="utf8-accents"),
        pytest.param(HEADER_LINE.encode("iso-8859-1", "replace"), id="question-marks"),
        pytest.param(
            "".join(ch if ch.isascii() else "\ufffd" for ch in HEADER_LINE).encode("iso-8859-1", "replace"),
            id="replacement-read-as-latin1-then-written-again",
        ),
    ],
)
def test_header_with_damaged_accents_is_accepted(tmp_path, header):
    path = tmp_path / "padron.txt"
    path.write_bytes(header + b"\n" + line(COMPANY_ROW).encode("iso-8859-1") + b"\n")

    assert read_all(path) == [as_tuple(COMPANY_ROW)]


def test_header_with_crlf_is_accepted(tmp_path):
    path = tmp_path / "padron.txt"
    path.write_bytes(DAMAGED_HEADER + b"\r\n" + line(COMPANY_ROW).encode("iso-8859-1") + b"\r\n")

    assert read_all(path) == [as_tuple(COMPANY_ROW)]


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("RUC|NOMBRE|ESTADO|", id="other-columns"),
        pytest.param(HEADER_LINE[:-1], id="without-trailing-bar"),
        pytest.param(HEADER_LINE.replace("UBIGEO|", ""), id="a-column-missing"),
        pytest.param(HEADER_LINE + "EXTRA|", id="a-column-more"),
        pytest.param(HEADER_LINE.replace("Ó", ""), id="accented-letters-dropped"),
        pytest.param(line(COMPANY_ROW), id="no-header-at-all"),
    ],
)
def test_wrong_header_is_an_error_on_line_1(tmp_path, header):
    path = write_lines(tmp_path / "padron.txt", [line(COMPANY_ROW)], header=header)

    error = read_error(path)

    assert error.line == 1
    assert str(error).startswith("línea 1: la cabecera no es la del Padrón Reducido RUC")


def test_empty_file_is_an_error_on_line_1(tmp_path):
    path = tmp_path / "padron.txt"
    path.write_bytes(b"")

    assert read_error(path).line == 1


@pytest.mark.parametrize("after_header", ["", "\n", "\n\n\n", "\r\n"], ids=["nothing", "blank", "blanks", "crlf"])
def test_header_without_rows_is_an_error(tmp_path, after_header):
    path = tmp_path / "padron.txt"
    path.write_bytes(f"{HEADER_LINE}\n{after_header}".encode("iso-8859-1"))

    error = read_error(path)

    assert "no tiene filas" in str(error)


# Bad rows: the error names the line -------------------------------------------------

BAD_ROWS = {
    "a-field-missing": (line(COMPANY_ROW[:-1]), "hay 14"),
    "a-field-more": (line([*COMPANY_ROW, "X"]), "hay 16"),
    "no-trailing-bar": ("|".join(COMPANY_ROW), "terminados en '|'"),
    "only-spaces": ("   ", "campos"),
    "ruc-with-letters": (line(["2060000000A", *COMPANY_ROW[1:]]), "RUC no válido"),
    "ruc-of-10-digits": (line(["2060000000", *COMPANY_ROW[1:]]), "RUC no válido"),
    "ruc-of-12-digits": (line(["206000000011", *COMPANY_ROW[1:]]), "RUC no válido"),
    "ruc-with-superscript-digit": (line(["2060000000²", *COMPANY_ROW[1:]]), "RUC no válido"),
    "ruc-empty": (line(["-", *COMPANY_ROW[1:]]), "RUC no válido"),
    "ubigeo-of-7": (line([*COMPANY_ROW[:4], "1006011", *COMPANY_ROW[5:]]), "ubigeo no válido"),
    "carriage-return-inside": (line([COMPANY_ROW[0], "LEAD\rWORKING", *COMPANY_ROW[2:]]), "CR"),
    "nul-inside": (line([COMPANY_ROW[0], "LEAD\x00WORKING", *COMPANY_ROW[2:]]), "NUL"),
}


@pytest.mark.parametrize("bad, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_row_is_an_error_naming_its_line(tmp_path, bad, message):
    path = write_lines(tmp_path / "padron.txt", [line(ENIE_ROW), line(ROAD_ROW), bad, line(PERSON_ROW)])

    error = read_error(path)

    assert error.line == 4
    assert str(error).startswith("línea 4: ")
    assert message in str(error)


def test_line_numbers_count_blank_lines_and_crlf(tmp_path):
    path = write_lines(tmp_path / "padron.txt", [line(ENIE_ROW), "", "", line(ROAD_ROW), "2060|X|"], newline="\r\n")

    assert read_error(path).line == 6


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.slow
def test_bad_row_in_a_later_read_block_names_its_line(tmp_path, newline):
    lines = [line(fields) for fields in generate_rows(SEVERAL_BLOCKS, seed=5)]
    bad = SEVERAL_BLOCKS - 1000  # in the last block
    lines[bad] = lines[bad][:-1]  # loses its trailing "|"
    path = write_lines(tmp_path / "padron.txt", lines, newline=newline)

    error = read_error(path)

    assert error.line == bad + 2  # the header is line 1
    assert lines[bad][:40] in str(error)


def test_blank_lines_across_read_blocks_are_skipped_and_counted(tmp_path):
    rows = list(generate_rows(SEVERAL_BLOCKS // 2, seed=5))
    lines = [text for fields in rows for text in (line(fields), "")]  # a blank line after every row
    lines.append("20100069530|MAL|")
    path = write_lines(tmp_path / "padron.txt", lines)
    assert path.stat().st_size > BLOCK_SIZE

    assert read_error(path).line == 2 + 2 * len(rows)
    path.write_bytes(path.read_bytes().replace(b"20100069530|MAL|\n", b""))
    assert read_all(path) == [as_tuple(fields) for fields in rows]


def test_bad_last_line_without_newline_names_its_line(tmp_path):
    path = tmp_path / "padron.txt"
    path.write_bytes(f"{HEADER_LINE}\n{line(ENIE_ROW)}\n{line(ROAD_ROW)[:-1]}".encode("iso-8859-1"))

    assert read_error(path).line == 3


def test_error_str_without_a_line_is_just_the_message():
    assert str(PadronError("algo falló")) == "algo falló"
    assert str(PadronError("algo falló", line=7)) == "línea 7: algo falló"


# Zip files and paths ------------------------------------------------------------

def test_zip_with_one_txt_among_other_files_reads_the_txt(tmp_path):
    text = write_rows(tmp_path / "padron.txt", HANDMADE).read_bytes()
    path = write_zip(tmp_path / "padron.zip", {"LEAME.pdf": b"%PDF-1.4", "datos/padron_reducido_ruc.TXT": text})

    assert read_all(path) == [as_tuple(fields) for fields in HANDMADE]


def test_zip_with_two_txt_files_is_an_error(tmp_path):
    text = write_rows(tmp_path / "padron.txt", HANDMADE).read_bytes()
    path = write_zip(tmp_path / "padron.zip", {"a.txt": text, "b.txt": text})

    error = read_error(path)

    assert "un solo archivo .txt" in str(error) and "a.txt" in str(error) and "b.txt" in str(error)


def test_empty_zip_is_an_error(tmp_path):
    path = write_zip(tmp_path / "padron.zip", {})
    path.write_bytes(b"PK\x03\x04" + path.read_bytes())  # an empty zip has no local header: make it look like one

    read_error(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99])
def test_truncated_zip_is_an_error(tmp_path, keep):
    path, _ = generated(tmp_path / "padron.zip", 3000)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])

    assert "zip está dañado" in str(read_error(path))


def test_zip_with_bad_crc_is_an_error(tmp_path):
    text = write_rows(tmp_path / "padron.txt", HANDMADE).read_bytes()
    path = tmp_path / "padron.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("padron_reducido_ruc.txt", text)
    data = path.read_bytes()
    at = data.index(b"VOLVO")
    path.write_bytes(data[:at] + b"VOLVA" + data[at + 5:])  # same size, different CRC

    assert "zip está dañado" in str(read_error(path))


def test_zip_with_corrupted_compressed_data_is_an_error(tmp_path):
    path = garbage_deflate_zip(tmp_path / "padron.zip")

    with pytest.raises(PadronError, match="zip está dañado"):
        read_all(path)


def test_missing_path_is_an_error(tmp_path):
    error = read_error(tmp_path / "no-existe.zip")

    assert error.line is None
    assert "no existe el archivo" in str(error) and "no-existe.zip" in str(error)


def test_directory_is_not_a_padron(tmp_path):
    assert "no existe el archivo" in str(read_error(tmp_path))


def test_zip_source_knows_the_text_size_and_the_members_date_in_lima_time(tmp_path):
    text = write_rows(tmp_path / "padron.txt", HANDMADE).read_bytes()
    path = write_zip(tmp_path / "padron.zip", {"padron_reducido_ruc.txt": text}, date_time=(2024, 3, 15, 6, 30, 0))

    with open_padron(path) as source:
        assert source.size == len(text)
        assert source.file_date == datetime(2024, 3, 15, 11, 30, tzinfo=UTC)
        assert source.name == str(path)


def test_txt_source_is_dated_by_its_modification_time(tmp_path):
    path = write_rows(tmp_path / "padron.txt", HANDMADE)
    os.utime(path, (1_700_000_000, 1_700_000_000))

    with open_padron(path) as source:
        assert source.size == path.stat().st_size
        assert source.file_date == datetime.fromtimestamp(1_700_000_000, tz=UTC)


def test_sunat_sample_of_2018_reads_its_1000_rows(tmp_path):
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is not available here")

    rows = read_all(SAMPLE)

    assert len(rows) == 1000 and len({row[0] for row in rows}) == 1000
    assert all(is_valid_ruc(row[0]) for row in rows)
    assert rows[0] == ("20272209325", "PESCA PERU MOLLENDO S.A.", "BAJA DEFINITIVA", "HABIDO", "150122", "AV.",
                       "JOSE PARDO", None, None, "601", "1603", None, None, None, None)
    # The sample's accents were damaged to U+FFFD; its UTF-8 bytes are read as the Latin-1 they claim to be.
    assert rows[2][6] == "C\u00ef\u00bf\u00bdSAR L\u00ef\u00bf\u00bdPEZ ROJAS"
    assert rows[-1][0] == "20338054115" and rows[-1][7] == "----"
    assert all(row[4] is None or district(row[4]) is not None or len(row[4]) <= 6 for row in rows)


# Over HTTP ----------------------------------------------------------------------

def test_zip_served_over_http_is_downloaded_and_read(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    _, expected = generated(served / "padron_reducido_ruc.zip", 1500, seed=6)

    with http_server(served) as url:
        assert read_all(f"{url}/padron_reducido_ruc.zip") == expected


def test_txt_served_over_http_is_dated_by_last_modified(tmp_path):
    path = write_rows(tmp_path / "padron.txt", HANDMADE)
    os.utime(path, (1_700_000_000, 1_700_000_000))

    with http_server(tmp_path) as url, open_padron(f"{url}/padron.txt") as source:
        assert source.name == f"{url}/padron.txt"
        assert source.file_date == datetime.fromtimestamp(1_700_000_000, tz=UTC)
        assert list(read_rows(source)) == [as_tuple(fields) for fields in HANDMADE]


def test_download_answered_404_is_an_error(tmp_path):
    with http_server(tmp_path) as url:
        error = read_error(f"{url}/no-existe.zip")

    assert "HTTP 404" in str(error)


def test_download_from_a_closed_port_is_an_error(tmp_path):
    with http_server(tmp_path) as url:
        pass  # stopped: nothing listens there now

    assert "no se pudo descargar" in str(read_error(f"{url}/padron.zip"))


def test_download_cut_short_is_an_error(tmp_path):
    generated(tmp_path / "padron.zip", 3000)

    with http_server(tmp_path, CutShortHandler) as url, pytest.raises(PadronError, match="no se pudo descargar"):
        read_all(f"{url}/padron.zip")


# The generator ----------------------------------------------------------------

def test_generator_is_deterministic_for_a_seed():
    assert list(generate_rows(300, seed=9)) == list(generate_rows(300, seed=9))
    assert list(generate_rows(300, seed=9)) != list(generate_rows(300, seed=10))


def test_generated_rows_have_valid_unique_rucs_known_ubigeos_and_latin1_names():
    rows = list(generate_rows(5000, seed=0))

    rucs = [row[0] for row in rows]
    assert len(set(rucs)) == len(rucs) and all(is_valid_ruc(ruc) for ruc in rucs)
    assert {ruc[:2] for ruc in rucs} == {"10", "15", "16", "17", "20"}
    assert all(row[4] == "-" or district(row[4]) is not None for row in rows)
    assert all(len(row) == 15 and all(row) for row in rows)
    names = [row[1] for row in rows]
    assert any("Ñ" in name for name in names) and any('"' in name for name in names)
    assert all(name.encode("iso-8859-1") for name in names)
    assert any(row[7] == "----" for row in rows)


@pytest.mark.servers
def test_generator_command_writes_a_crlf_zip(tmp_path):
    out = tmp_path / "padron.zip"

    done = subprocess.run(
        [sys.executable, "-m", "devtools.padron_generator", "700", str(out), "--seed", "3", "--crlf"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert f"700 filas en {out}" in done.stdout
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["padron_reducido_ruc.txt"]
        assert archive.read("padron_reducido_ruc.txt").count(b"\r\n") == 701
    assert read_all(out) == [as_tuple(fields) for fields in generate_rows(700, seed=3)]


def test_a_line_longer_than_any_row_is_refused_as_it_is_read_in_bounded_memory(tmp_path):
    import tracemalloc

    from sunat.registers.reader import MAX_LINE

    # 100 MB of one line after two good rows, about 100 KB zipped.
    path = tmp_path / "endless.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("padron_reducido_ruc.txt", "w") as member:
        member.write((HEADER_LINE + "\n" + "\n".join("|".join(row) + "|" for row in HANDMADE[:2]) + "\n")
                     .encode("iso-8859-1"))
        for _ in range(100):
            member.write(b"2" * (1024 * 1024))

    tracemalloc.start()
    try:
        error = read_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert error.line == 4 and f"más de {MAX_LINE:,} bytes" in error.message
    assert peak < 16 * 1024 * 1024  # a few blocks, never the line
