import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from sunat import caching
from sunat.lookups import ruc_cache

pytestmark = pytest.mark.django_db(transaction=True)  # the scheduler's threads commit lookups

COMPANY = "20573215045"
OTHER = "20550263948"


@pytest.fixture
def two_cached(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    client.get(f"/api/ruc/{OTHER}")
    cache.set("no:es:ruc", "queda", timeout=60)


def test_clear_given_rucs_removes_only_those(two_cached, capsys):
    call_command("clear_ruc_cache", COMPANY)

    assert ruc_cache.get(COMPANY) is None
    assert ruc_cache.get(OTHER) is not None
    assert "Se quitaron 1 entradas" in capsys.readouterr().out


def test_clear_everything_removes_all_ruc_entries_and_nothing_else(two_cached, capsys):
    call_command("clear_ruc_cache")

    assert ruc_cache.get(COMPANY) is None and ruc_cache.get(OTHER) is None
    assert cache.get("no:es:ruc") == "queda"
    out = capsys.readouterr().out
    assert "Se quitaron 2 entradas" in out
    assert ("LocMem" in out) != caching.uses_redis()


def test_clear_refuses_an_invalid_ruc(two_cached):
    with pytest.raises(CommandError, match="verificador"):
        call_command("clear_ruc_cache", "20573215046")
    assert ruc_cache.get(COMPANY) is not None


def test_status_shows_backend_reachability_and_key_count(two_cached, capsys):
    call_command("ruc_cache_status")

    out = capsys.readouterr().out
    assert f"backend: {caching.backend_name()}" in out
    assert "responde: sí" in out
    assert "claves de RUC: 2" in out
    assert ("memoria usada:" in out) == caching.uses_redis()
