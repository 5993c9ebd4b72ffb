"""The production settings require API keys unless the operator says otherwise."""

import subprocess
import sys

import pytest

from devtools import deployments
from tests.support.paths import PROJECT_ROOT

pytestmark = [pytest.mark.standalone, pytest.mark.servers]


def production_setting(name: str, **env: str | None) -> str:
    """A setting as the production settings read it from this environment (None: the variable unset)."""
    environment = {**deployments.production_env("sqlite:///:memory:"), **env}
    environment = {variable: value for variable, value in environment.items() if value is not None}
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=environment, capture_output=True,
                          text=True, timeout=60, check=True).stdout.strip().splitlines()[-1]


def test_production_requires_keys_by_default_and_an_operator_may_open_it():
    # The tests' own environment asks for anonymous lookups: taken away, the settings' default shows.
    assert production_setting("API_KEYS_REQUIRED", API_KEYS_REQUIRED=None) == "True"
    assert production_setting("API_KEYS_REQUIRED", API_KEYS_REQUIRED="False") == "False"
