"""Realistic files of SUNAT's agents' and good taxpayers' registers, consistent with a padrón.

    python -m devtools.register_generator NAME PADRON_ROWS OUTPUT.zip [--seed N] [--share 0.01]

NAME is a register of sunat.padron.registers (agentes-retencion, agentes-percepcion,
agentes-percepcion-vi, buenos-contribuyentes). Its RUCs are a share of the companies (and a few
persons) of the padrón devtools.padron_generator writes for the same PADRON_ROWS and seed, so
that the files agree with each other. The format is SUNAT's as the real AgenRet_TXT.txt and
BueCont_TXT.txt show it: cp1252, lines ended by a lone CR, the header
"Ruc|Nombre/Razon|A partir del|Resolucion|", names with curly quotes, dashes, Ñ, a TAB now and
then, cut at 100 characters, "A partir del" dd/mm/yyyy, resolutions like "RS R.S.037-2002" or
"RS 0230050312833". Streamed: memory stays flat whatever the size.
"""

import argparse
import io
import random
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from devtools.padron_generator import generate_rows
from sunat.padron.sources import LIMA
from sunat.padron.registers import REGISTERS, Register

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


def write_register(path, name: str, padron_rows: int, seed: int = 0, share: float = 0.01,
                   newline: str = "\r") -> Path:
    """Write register `name` to `path`: a zip holding SUNAT's .txt, or a bare .txt."""
    register = REGISTERS[name]
    path = Path(path)
    with _open_binary(path, register.file_name) as binary:
        out = io.TextIOWrapper(binary, encoding=register.encoding, newline="")
        out.write("|".join(register.header) + "|" + newline)
        for fields in member_rows(register, padron_rows, seed, share):
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
    parser.add_argument("--share", type=float, default=0.01)
    args = parser.parse_args(argv)
    write_register(args.output, args.name, args.padron_rows, args.seed, args.share)


if __name__ == "__main__":
    main()
