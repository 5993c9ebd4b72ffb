"""Each setting is declared once, in config/ (django-environ reads it); its other copies are checked
against it: .env.production defines every one (tests/deployment/test_compose.py), docs/configuration.md's
table names every one and no other, with the default the deployed settings have, and the sections'
TTL variables name sections."""

import contextlib
import re

from sunat.upstream.sections import SECTIONS, ttl_variable
from tests.deployment.test_compose import read_env_file, variables_read_by_config
from tests.support.paths import PROJECT_ROOT

TABLE = PROJECT_ROOT / "docs" / "configuration.md"
SIMPLE_DEFAULT = re.compile(r"""env(?:\.(int|float|bool|str))?\(\s*["']([A-Z][A-Z0-9_]*)["']\s*,\s*default\s*=\s*"""
                            r"""("[^"]*"|'[^']*'|-?[0-9.]+|True|False)\s*\)""")
# What a deployment runs (test.py, local.py and bench.py change defaults for their own use).
DEPLOYED_SETTINGS = ("settings/base.py", "settings/monitoring.py", "settings/production.py", "gunicorn.py")


def table_variables() -> dict:
    """The table: each variable (or `PREFIX_<...>` pattern) with its default cell and how many
    variables its row names."""
    found = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.split("|")[1:-1]]
            names = re.findall(r"`([A-Z][A-Z0-9_]*(?:<[^>]+>)?)`", cells[0])
            for name in names:
                assert name not in found, f"{name} has two rows"
                found[name] = (cells[1], len(names))
    return found


def test_the_table_names_every_variable_config_reads_and_no_other():
    table = table_variables()
    patterns = [name.split("<")[0] for name in table if "<" in name]
    read = variables_read_by_config()

    assert {"DJANGO_SECRET_KEY", "USE_REDIS", "SUNAT_DEADLINE", "GUNICORN_WORKERS"} <= set(read)  # the scan works
    missing = {name: where for name, where in read.items()
               if name not in table and not any(name.startswith(prefix) for prefix in patterns)}
    assert missing == {}, f"add these to docs/configuration.md: {missing}"
    # What the table names that config/ does not read is nginx's or compose's (.env.production's).
    unknown = {name for name in table if "<" not in name and name not in read} - set(read_env_file())
    assert unknown == set(), f"docs/configuration.md names settings nothing reads: {unknown}"


def test_the_table_gives_the_defaults_the_settings_have():
    table = table_variables()
    checked, wrong = 0, {}
    for name_in_config in DEPLOYED_SETTINGS:
        source = (PROJECT_ROOT / "config" / name_in_config).read_text(encoding="utf-8")
        for kind, name, literal in SIMPLE_DEFAULT.findall(source):
            cell, names_in_row = table.get(name, ("", 0))
            shown = re.findall(r"`([^`]*)`", cell)
            if names_in_row != 1 or not shown:
                continue  # a row of several variables, or a default the table says in words
            value = literal.strip("\"'")
            checked += 1
            # Any value the cell shows ("`True` local, `False` production"); an empty default is derived
            # from another setting or off, which the cell says in words.
            same = value in shown or value == "" or (kind in ("int", "float") and shown[0].replace(",", "") == value)
            if not same and kind in ("int", "float"):
                with contextlib.suppress(ValueError):
                    same = float(shown[0]) == float(value)
            if not same:
                wrong[name] = (value, shown[0])
    assert checked > 45, checked  # the scan itself works
    assert wrong == {}, f"docs/configuration.md says another default (code, table): {wrong}"


def test_the_section_ttl_pattern_is_how_config_reads_them():
    source = (PROJECT_ROOT / "config" / "settings" / "base.py").read_text()

    assert "RUC_SECTION_TTL_<SECCIÓN>" in table_variables()
    assert '"RUC_SECTION_TTL_"' in source


def test_env_production_sets_a_ttl_only_for_sections_that_exist():
    variables = [name for name in read_env_file() if name.startswith("RUC_SECTION_TTL_")]

    assert variables, ".env.production shows how a section's TTL is set"
    assert sorted(set(variables) - {ttl_variable(name) for name in SECTIONS}) == []
