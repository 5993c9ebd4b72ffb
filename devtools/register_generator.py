"""Realistic files of SUNAT's registers other than the padrón, consistent with a padrón.

    python -m devtools.register_generator NAME PADRON_ROWS OUTPUT.zip [--seed N] [--share 0.01]

NAME is a register of sunat.registers.files (agentes-retencion, agentes-percepcion,
agentes-percepcion-vi, buenos-contribuyentes, establecimientos-anexos). Its RUCs are a share of
the companies (and a few persons) of the padrón devtools.padron_generator writes for the same
PADRON_ROWS and seed, so that the files agree with each other. The establishments' file is
Latin-1 with LF line ends and the 12 fields of registers.ESTABLECIMIENTOS_ANEXOS, several rows
per RUC. The agents' and good taxpayers' files are SUNAT's format as the real AgenRet_TXT.txt
and BueCont_TXT.txt show it: cp1252, lines ended by a lone CR, the header
"Ruc|Nombre/Razon|A partir del|Resolucion|", names with curly quotes, dashes, Ñ, a TAB now and
then, cut at 100 characters, "A partir del" dd/mm/yyyy, resolutions like "RS R.S.037-2002" or
"RS 0230050312833". Streamed: memory stays flat whatever the size.
"""

import argparse
import io
import random
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from devtools.padron_generator import GIVEN_NAMES, SURNAMES, VIAS, ZONAS, ZONE_NAMES, generate_rows
from sunat.registers.files import REGISTERS, Register
from sunat.registers.sources import LIMA
from sunat.ubigeo import districts

NAME_LIMIT = 100  # SUNAT cuts the names in these files
# Odd but real: curly quotes and an en dash (cp1252 0x93 0x94 0x96), a TAB inside a name.
DECORATIONS = ("“{}”.", '"{}"', "{} – EN LIQUIDACION", "{}\tEN LIQUIDACION", "'{}'")


def member_rows(register: Register, padron_rows: int, seed: int = 0, share: float = 0.01) -> Iterator[list[str]]:
    """The register's rows: about `share` of the padrón's companies (and a tenth of that of persons)."""
    rng = random.Random(f"{register.name}:{seed}")
    for row in generate_rows(padron_rows, seed):
        ruc, name = row[0], row[1]
        if rng.random() >= (share if ruc.startswith("20") else share / 10):
            continue
        if rng.random() < 0.03:
            name = rng.choice(DECORATIONS).format(name)
        desde = date(rng.randint(2002, 2025), rng.randint(1, 12), 1 if rng.random() < 0.9 else rng.randint(2, 28))
        if register.name == "buenos-contribuyentes":
            resolucion = f"RS 02300{rng.randrange(10**8):08d}"
        else:
            resolucion = f"RS R.S.{rng.randint(1, 300):03d}-{desde.year}" + ("/" if rng.random() < 0.01 else "")
        yield [ruc, name[:NAME_LIMIT], f"{desde:%d/%m/%Y}", resolucion]


def establishment_rows(register: Register, padron_rows: int, seed: int = 0, share: float = 0.1) -> Iterator[list[str]]:
    """The establishments' register: about `share` of the padrón's companies (a tenth of that of
    persons) have annexed establishments, most one to three, a few chains dozens; each row the
    RUC, a ubigeo and the address parts in the file's order (kilómetro right after número)."""
    rng = random.Random(f"{register.name}:{seed}")
    ubigeos = [district.ubigeo for district in districts()]
    for row in generate_rows(padron_rows, seed):
        ruc = row[0]
        if rng.random() >= (share if ruc.startswith("20") else share / 10):
            continue
        count = 1 + min(int(rng.expovariate(0.6)), 200) if rng.random() < 0.998 else rng.randint(20, 400)
        for _ in range(count):
            via = rng.choice(VIAS)
            zona = rng.choice(ZONAS)
            yield [
                ruc,
                rng.choice(ubigeos) if rng.random() < 0.98 else "-",
                via,
                f"{rng.choice(SURNAMES)} {rng.choice(GIVEN_NAMES)}" if via != "-" else "-",
                zona,
                rng.choice(ZONE_NAMES) if zona not in ("-", "----") else "-",
                str(rng.randint(1, 3999)) if rng.random() < 0.6 else "-",
                f"{rng.randint(1, 900)}.{rng.randint(0, 9)}" if via == "CAR." else "-",
                str(rng.randint(100, 1800)) if rng.random() < 0.1 else "-",
                str(rng.randint(1, 40)) if rng.random() < 0.2 else "-",
                str(rng.randint(101, 1504)) if rng.random() < 0.05 else "-",
                rng.choice("ABCDEFGHJK") + str(rng.randint(1, 9)) if rng.random() < 0.2 else "-",
            ]


_ROWS = {"establecimientos-anexos": establishment_rows}
DEFAULT_SHARES = {"establecimientos-anexos": 0.1}


def zip_name(register: Register) -> str:
    """The name of the zip SUNAT publishes a register in: its .txt's, as a .zip (padron_reducido_ruc.zip)."""
    return register.file_name.replace(".txt", ".zip")


def write_register(path, name: str, padron_rows: int, seed: int = 0, share: float | None = None,
                   newline: str | None = None) -> Path:
    """Write register `name` to `path`: a zip holding SUNAT's .txt, or a bare .txt. Lines end as
    SUNAT's do: a lone CR in the agents' files, LF in the establishments'."""
    register = REGISTERS[name]
    path = Path(path)
    share = DEFAULT_SHARES.get(name, 0.01) if share is None else share
    newline = ("\r" if register.cr_line_ends else "\n") if newline is None else newline
    rows = _ROWS.get(name, member_rows)
    with _open_binary(path, register.file_name) as binary:
        out = io.TextIOWrapper(binary, encoding=register.encoding, newline="")
        out.write("|".join(register.header) + "|" + newline)
        for fields in rows(register, padron_rows, seed, share):
            out.write("|".join(fields) + "|" + newline)
        out.flush()
        out.detach()
    return path


class _open_binary:
    """A binary stream into a .txt, or into the single member `member` of a .zip."""

    def __init__(self, path: Path, member: str):
        self.path, self.member = path, member

    def __enter__(self):
        if self.path.suffix.lower() == ".zip":
            self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
            info = zipfile.ZipInfo(self.member, date_time=datetime.now(LIMA).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            self._binary = self._zip.open(info, "w", force_zip64=True)
        else:
            self._zip, self._binary = None, self.path.open("wb")
        return self._binary

    def __exit__(self, *exc_info):
        self._binary.close()
        if self._zip is not None:
            self._zip.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=[name for name in REGISTERS if name != "padron"])
    parser.add_argument("padron_rows", type=int)
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--share", type=float, default=None,
                        help="share of the padrón's companies in it (0.01; 0.1 for the establishments)")
    args = parser.parse_args(argv)
    write_register(args.output, args.name, args.padron_rows, args.seed, args.share)


if __name__ == "__main__":
    main()
