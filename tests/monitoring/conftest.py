import pytest

from sunat.keys import services as api_keys
from sunat.models import PadronVersion
from tests.monitoring.test_metrics import INVALID, OTHER, scrape
from tests.support.padron_files import COMPANY
from tests.watch.test_watch_api import auth


@pytest.fixture
def scraped(client, replica, settings, transactional_db) -> dict[str, list[dict]]:
    """{sample name: [each sample's labels]} of what /metrics answers after some traffic of every
    kind: a miss, a hit, a SUNAT failure, a 400 and a quota's 429, a batch, a 404, and an import."""
    settings.SUNAT_MAX_ATTEMPTS = 1
    _, plain = api_keys.create_key("Cuota", per_minute=1)
    assert client.get(f"/api/ruc/{COMPANY}")["X-Cache"] == "MISS"
    assert client.get(f"/api/ruc/{COMPANY}/")["X-Cache"] == "HIT"
    replica.config.mode = "http503"
    assert client.get(f"/api/ruc/{OTHER}").status_code == 503
    replica.config.mode = "ok"
    assert client.get(f"/api/ruc/{INVALID}", **auth(plain)).status_code == 400
    assert client.get(f"/api/ruc/{INVALID}", **auth(plain)).status_code == 429
    assert client.post("/api/ruc/lote", {"rucs": [COMPANY]}, content_type="application/json").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    PadronVersion.objects.create(register="padron", source="padron_reducido_ruc.zip", rows=3, seconds=0.5)

    series: dict[str, list[dict]] = {}
    for (name, labels), _ in scrape(client).items():
        series.setdefault(name, []).append(dict(labels))
    return series
