"""The agents' and good taxpayers' registers imported with the padrón's engine: SUNAT's format
(cp1252, CR line ends, dd/mm/yyyy), a new version swapped in whole, the one in use untouched on
any error, each register on its own."""

import zipfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from devtools.padron_generator import generate_rows
from devtools.register_generator import member_rows, write_register, zip_name
from sunat.models import AgenteRetencion, BuenContribuyente, PadronVersion
from sunat.registers.files import AGENTES_RETENCION, BUENOS_CONTRIBUYENTES, PADRON, REGISTERS
from sunat.registers.importer import import_padron
from sunat.registers.sources import PadronError
from tests.support.padron_files import HANDMADE, http_server, write_rows

pytestmark = pytest.mark.django_db(transaction=True)  # the importer runs DDL and its own transactions

AGENTS = [register for register in REGISTERS.values() if register.columns == AGENTES_RETENCION.columns]
HEADER = b"Ruc|Nombre/Razon|A partir del|Resolucion|"
# Rows as the real AgenRet_TXT.txt writes them (cp1252, CR-terminated): curly quotes and an en
# dash, a TAB in a name, a name cut at 100 characters, a resolution with a trailing slash.
ROWS = [
    "20609051664|“CONCRETO ELOHIN SOCIEDAD ANONIMA CERRADA”.|01/10/2023|RS R.S.186-2023|",
    "20100000001|AGRIBRANDS PURINA PERU S.A.\tEN LIQUIDACION|01/06/2002|RS R.S.037-2002|",
    "20518862911|FAKU MOTOR’S EIRL – SUCURSAL ÑAÑA|11/04/2019|RS R.S.182-2017/|",
    "10401510465|PEREZ JUAN|01/02/2017|RS 0230050174077|",
]


def agents_file(path, rows=ROWS, newline=b"\r", header=HEADER, member="AgenRet_TXT.txt"):
    text = newline.join([header, *(row.encode("cp1252") for row in rows)]) + newline
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, text)
    return str(path)


def test_the_real_format_imports_every_field(tmp_path):
    version = import_padron(agents_file(tmp_path / "AgenRet_TXT.zip"), register=AGENTES_RETENCION)

    assert version.register == "agentes-retencion" and version.rows == 4
    first = AgenteRetencion.objects.get(ruc="20609051664")
    assert first.razon_social == "“CONCRETO ELOHIN SOCIEDAD ANONIMA CERRADA”."
    assert (first.desde, first.resolucion) == (date(2023, 10, 1), "RS R.S.186-2023")
    assert AgenteRetencion.objects.get(ruc="20100000001").razon_social == "AGRIBRANDS PURINA PERU S.A.\tEN LIQUIDACION"
    third = AgenteRetencion.objects.get(ruc="20518862911")
    assert third.razon_social == "FAKU MOTOR’S EIRL – SUCURSAL ÑAÑA" and third.desde == date(2019, 4, 11)


@pytest.mark.parametrize("newline", [b"\r", b"\n", b"\r\n"], ids=["cr", "lf", "crlf"])
def test_any_line_end_reads_the_same(tmp_path, newline):
    import_padron(agents_file(tmp_path / "a.zip", newline=newline), register=BUENOS_CONTRIBUYENTES)

    assert sorted(BuenContribuyente.objects.values_list("ruc", flat=True)) == sorted(row[:11] for row in ROWS)


def test_a_crlf_cut_between_two_blocks_adds_no_row(tmp_path):
    from sunat.registers import reader, sources

    path = agents_file(tmp_path / "a.zip", newline=b"\r\n")
    with sources.open_padron(path) as source:
        # Blocks so small that a CR and its LF land in different chunks.
        rows = [row for block in reader.read_blocks(source, AGENTES_RETENCION, block_size=7)
                for row in reader.rows_of(block, AGENTES_RETENCION)]
    assert [row[0] for row in rows] == [row[:11] for row in ROWS]


@pytest.mark.parametrize("register", AGENTS, ids=[register.name for register in AGENTS])
def test_each_generated_register_imports_and_agrees_with_the_padron(tmp_path, register):
    path = write_register(tmp_path / zip_name(register), register.name, 20_000)
    expected = list(member_rows(register, 20_000))

    version = import_padron(str(path), register=register)

    assert version.rows == len(expected) > 50
    stored = register.model.objects.get(ruc=expected[0][0])
    day, month, year = expected[0][2].split("/")
    assert (stored.razon_social, stored.desde.isoformat(), stored.resolucion) == (
        expected[0][1], f"{year}-{month}-{day}", expected[0][3])
    padron_rucs = {row[0] for row in generate_rows(20_000)}
    assert {row[0] for row in expected} <= padron_rucs


BROKEN = {
    "bad-date": [*ROWS[:2], "20518862911|FAKU|2019-04-11|RS R.S.182-2017|"],
    "three-fields": [*ROWS[:2], "20518862911|FAKU|11/04/2019|"],
    "bad-ruc": [*ROWS[:2], "2051886291X|FAKU|11/04/2019|RS|"],
}


@pytest.mark.parametrize("rows, message", [
    (BROKEN["bad-date"], "línea 4: fecha «A partir del» no válido: '2019-04-11'"),
    (BROKEN["three-fields"], "línea 4: se esperaban 4 campos"),
    (BROKEN["bad-ruc"], "línea 4: RUC no válido"),
], ids=list(BROKEN))
def test_a_broken_file_leaves_the_register_in_use_untouched(tmp_path, rows, message):
    import_padron(agents_file(tmp_path / "good.zip"), register=AGENTES_RETENCION)

    with pytest.raises(PadronError, match=message):
        import_padron(agents_file(tmp_path / "bad.zip", rows=rows), register=AGENTES_RETENCION)

    assert AgenteRetencion.objects.count() == 4
    assert PadronVersion.objects.filter(register="agentes-retencion").count() == 1


def test_the_padrons_header_is_refused_for_an_agents_file(tmp_path):
    path = agents_file(tmp_path / "a.zip", header="|".join(PADRON.header).encode("cp1252") + b"|")

    with pytest.raises(PadronError, match="línea 1: la cabecera no es la del Agentes de retención"):
        import_padron(path, register=AGENTES_RETENCION)


def test_registers_are_imported_and_versioned_on_their_own(tmp_path, settings):
    settings.PADRON_MAX_SHRINK = 0.05
    padron = import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    import_padron(agents_file(tmp_path / "a.zip"), register=AGENTES_RETENCION)

    # A much shorter agents' file is compared with the agents' register, not with the padrón.
    with pytest.raises(PadronError, match="menos que el registro en uso"):
        import_padron(agents_file(tmp_path / "short.zip", rows=ROWS[:1]), register=AGENTES_RETENCION)
    import_padron(agents_file(tmp_path / "b.zip", rows=ROWS[:3]), register=BUENOS_CONTRIBUYENTES)

    assert PadronVersion.objects.filter(register="padron").get() == padron
    assert AgenteRetencion.objects.count() == 4 and BuenContribuyente.objects.count() == 3


def test_the_command_imports_a_register_from_a_url(tmp_path, capsys):
    agents_file(tmp_path / "AgenRet_TXT.zip")
    with http_server(tmp_path) as base_url:
        call_command("import_padron", f"{base_url}/AgenRet_TXT.zip", "--registro", "agentes-retencion")

    assert "Agentes de retención importado: 4 filas" in capsys.readouterr().out
    assert AgenteRetencion.objects.count() == 4


def test_the_command_says_which_register_failed_and_that_it_did_not_change(tmp_path):
    with pytest.raises(CommandError, match=r"No se importó el registro Buenos contribuyentes .*no cambió"):
        call_command("import_padron", agents_file(tmp_path / "a.zip", rows=BROKEN["bad-ruc"]),
                     "--registro", "buenos-contribuyentes")


def test_the_admin_lists_each_registers_versions_and_rucs(admin_client, tmp_path):
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    import_padron(agents_file(tmp_path / "a.zip"), register=AGENTES_RETENCION)

    versions = admin_client.get("/admin/sunat/padronversion/").content.decode()
    agents = admin_client.get("/admin/sunat/agenteretencion/", {"q": "ELOHIN"}).content.decode()

    assert "agentes-retencion" in versions and versions.count("icon-yes.svg") == 2  # each register's in use
    assert "20609051664" in agents and "20100000001" not in agents
    assert admin_client.get("/admin/sunat/agenteretencion/add/").status_code == 403
