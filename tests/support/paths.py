"""Where the tests find the project and what lies beside it, wherever a test module sits."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPLICA_PAGES = PROJECT_ROOT / "devtools" / "replica" / "pages"
# ../shared/sunat: SUNAT's real captured pages and files, beside the checkout (absent: tests skip).
SHARED_SUNAT = PROJECT_ROOT.parent / "shared" / "sunat"
