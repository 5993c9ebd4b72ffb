"""Realistic Padrón Reducido RUC files of any size, for tests and benchmarks.

    python -m devtools.padron_generator ROWS OUTPUT.zip|OUTPUT.txt [--seed N] [--crlf]

The rows look like SUNAT's: valid and unique RUCs of every prefix (10 persons, 15, 16, 17,
20 companies), Latin-1 names with Ñ and accents, quotes inside names, estados and condiciones
in their real proportions, INEI ubigeos, address parts mostly empty ("-"). Deterministic for a
seed. Written as a stream: memory stays flat whatever ROWS is. Never commit a generated file
of more than a few MB.
"""

import argparse
import io
import random
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from devtools.replica.rucs import make_ruc
from sunat.registers.reader import ENCODING, HEADER
from sunat.registers.sources import LIMA
from sunat.ubigeo import districts

SURNAMES = (
    "QUISPE", "MAMANI", "HUAMAN", "FLORES", "RODRIGUEZ", "SANCHEZ", "GARCIA", "ROJAS", "GONZALES",
    "PEÑA", "NUÑEZ", "MUÑOZ", "IBAÑEZ", "ÑAUPARI", "CASTAÑEDA", "GÓMEZ", "PÉREZ", "RAMÍREZ",
    "CHÁVEZ", "TORRES", "VARGAS", "MENDOZA", "CONDORI", "YUPANQUI", "D'ANGELO", "DE LA CRUZ",
)
GIVEN_NAMES = (
    "JUAN", "MARIA", "JOSE", "ROSA", "LUIS", "CARMEN", "JESÚS", "ÁNGEL", "MARÍA ELENA", "CÉSAR",
    "ROCÍO", "IÑIGO", "NOEMÍ", "RAÚL", "ANA LUCÍA", "JOSÉ ANTONIO", "MARTÍN", "SOFÍA",
)
COMPANY_WORDS = (
    "INVERSIONES", "CORPORACIÓN", "CONSTRUCTORA", "COMERCIAL", "SERVICIOS", "TRANSPORTES",
    "AGROINDUSTRIAS", "DISTRIBUIDORA", "INMOBILIARIA", "MINERA", "TEXTIL", "LOGÍSTICA",
    "ANDINA", "DEL SUR", "DEL NORTE", "PERÚ", "ÑANDÚ", "SAN MARTÍN", "LOS ÁNGELES", "AMAZÓNICA",
    "GENERAL", "INTEGRALES", "& ASOCIADOS", "HNOS.", "GRUPO", "PACÍFICO", "CUSCO", "AREQUIPEÑA",
)
QUOTED = ('"EL ÑANDÚ"', '"LA ESPERANZA"', '"SEÑOR DE LOS MILAGROS"', '"SAN JOSÉ"', '"D\'ONOFRIO"')
COMPANY_SUFFIXES = ("S.A.C.", "S.R.L.", "E.I.R.L.", "S.A.", "SOCIEDAD ANONIMA CERRADA", "S.A.A.")
ESTADOS = (("ACTIVO", 70), ("BAJA DE OFICIO", 12), ("BAJA DEFINITIVA", 10), ("SUSPENSION TEMPORAL", 5),
           ("BAJA PROV. POR OFICIO", 2), ("BAJA PROVISIONAL", 1))
CONDICIONES = (("HABIDO", 80), ("NO HABIDO", 12), ("NO HALLADO", 6), ("PENDIENTE", 2))
PREFIXES = (("10", 62), ("20", 34), ("15", 2), ("16", 1), ("17", 1))
VIAS = ("AV.", "JR.", "CAL.", "PSJ.", "CAR.", "PROL.", "-", "-")
ZONAS = ("URB.", "A.H.", "ASOC.", "P.J.", "C.P.", "COO.", "-", "-", "-", "----")
ZONE_NAMES = ("LOS OLIVOS", "SAN ANDRÉS", "PANDO III ETAPA", "VILLA EL SALVADOR", "SANTA ROSA", "LA PERLA")


def _weighted(pairs, rng: random.Random, n: int = 4096) -> list[str]:
    """A pool to pick from uniformly: each value as often as its weight says."""
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=n)


def generate_rows(count: int, seed: int = 0) -> Iterator[list[str]]:
    """`count` rows of 15 fields, "-" for empty, every RUC valid and different."""
    rng = random.Random(seed)
    prefixes = _weighted(PREFIXES, rng)
    estados = _weighted(ESTADOS, rng)
    condiciones = _weighted(CONDICIONES, rng)
    ubigeos = [d.ubigeo for d in districts()]
    # i -> eight digits is a bijection below 10**8 (the factor is prime to 10): RUCs never repeat.
    step, offset = 48_271, rng.randrange(10**8)
    for i in range(count):
        prefix = prefixes[i % len(prefixes)]
        body = (i * step + offset) % 10**8
        ruc = make_ruc(f"{prefix}{body:08d}")
        if prefix == "10":
            name = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)} {rng.choice(GIVEN_NAMES)}"
        else:
            words = rng.sample(COMPANY_WORDS, rng.randint(1, 3))
            if rng.random() < 0.1:
                words.insert(rng.randint(0, len(words)), rng.choice(QUOTED))
            name = f"{' '.join(words)} {rng.choice(COMPANY_SUFFIXES)}"
        has_address = rng.random() < 0.7
        via = rng.choice(VIAS) if has_address else "-"
        yield [
            ruc,
            name,
            estados[i % len(estados)],
            condiciones[(i * 7) % len(condiciones)],
            rng.choice(ubigeos) if rng.random() < 0.95 else "-",
            via,
            f"{rng.choice(SURNAMES)} {rng.choice(GIVEN_NAMES)}" if via != "-" else "-",
            zona := rng.choice(ZONAS) if has_address else "-",
            rng.choice(ZONE_NAMES) if zona not in ("-", "----") else "-",
            str(rng.randint(1, 3999)) if has_address and rng.random() < 0.6 else "-",
            str(rng.randint(100, 1800)) if has_address and rng.random() < 0.1 else "-",
            str(rng.randint(1, 40)) if has_address and rng.random() < 0.2 else "-",
            str(rng.randint(101, 1504)) if has_address and rng.random() < 0.05 else "-",
            rng.choice("ABCDEFGHJK") + str(rng.randint(1, 9)) if has_address and rng.random() < 0.2 else "-",
            f"{rng.randint(1, 900)}.{rng.randint(0, 9)}" if via == "CAR." else "-",
        ]


def write_padron(path, count: int, seed: int = 0, newline: str = "\n") -> Path:
    """Write a padrón of `count` rows to `path`: a zip (one padron_reducido_ruc.txt inside) or a .txt."""
    path = Path(path)
    with _open_text(path) as out:
        out.write("|".join(HEADER) + "|" + newline)
        lines = []
        for fields in generate_rows(count, seed):
            lines.append("|".join(fields) + "|" + newline)
            if len(lines) == 10_000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))
    return path


class _open_text:
    """A Latin-1 text stream into a .txt, or into the single member of a .zip."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        if self.path.suffix.lower() == ".zip":
            self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
            # A zip's times have no zone: SUNAT's are Lima's, and the reader reads them so.
            member = zipfile.ZipInfo("padron_reducido_ruc.txt", date_time=datetime.now(LIMA).timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            binary = self._zip.open(member, "w", force_zip64=True)
        else:
            self._zip = None
            binary = self.path.open("wb")
        self._text = io.TextIOWrapper(binary, encoding=ENCODING, newline="")
        return self._text

    def __exit__(self, *exc_info):
        self._text.close()
        if self._zip is not None:
            self._zip.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", type=int)
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--crlf", action="store_true", help="end lines with CR LF")
    args = parser.parse_args(argv)
    path = write_padron(args.output, args.rows, args.seed, "\r\n" if args.crlf else "\n")
    print(f"{args.rows} filas en {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
