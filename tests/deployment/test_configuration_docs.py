"""Each setting is declared once, in config/ (django-environ reads it); its other copies are checked
against it: .env.production defines every one (tests/deployment/test_compose.py), the README's Configuration
table explains every one and nothing else, and the sections' TTL variables name sections."""

import re

from sunat.upstream.sections import SECTIONS, ttl_variable
from tests.deployment.test_compose import read_env_file, variables_read_by_config
from tests.support.paths import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
# Rows of the table that are read by config/ under a pattern, not by name.
PATTERNS = {"RUC_SECTION_TTL_<SECCIÓN>": "RUC_SECTION_TTL_"}


def configuration_table() -> list[str]:
    """The variables named in the first column of the README's Configuration table."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [name for cell in rows for name in re.findall(r"`([A-Z][A-Z0-9_<>ÓÍ]*)`", cell)]


def test_the_readme_explains_every_setting_config_reads_and_only_those():
    documented = configuration_table()
    read = variables_read_by_config()

    assert len(documented) == len(set(documented)), "a variable has two rows"
    assert {"DJANGO_SECRET_KEY", "USE_REDIS", "SUNAT_DEADLINE", "GUNICORN_WORKERS"} <= set(documented)
    assert sorted(set(read) - set(documented)) == [], "add them to the README's Configuration table"
    unknown = [name for name in documented if name not in read and name not in PATTERNS]
    assert unknown == [], "the README explains variables no setting reads"


def test_the_section_ttl_pattern_is_how_config_reads_them():
    source = (PROJECT_ROOT / "config" / "settings" / "base.py").read_text()

    assert all(f'"{prefix}"' in source for prefix in PATTERNS.values())


def test_env_production_sets_a_ttl_only_for_sections_that_exist():
    variables = [name for name in read_env_file() if name.startswith("RUC_SECTION_TTL_")]

    assert variables, ".env.production shows how a section's TTL is set"
    assert sorted(set(variables) - {ttl_variable(name) for name in SECTIONS}) == []
