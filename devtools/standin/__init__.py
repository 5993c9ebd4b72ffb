"""An independent stand-in of SUNAT Peru's "Consulta RUC" (e-consultaruc.sunat.gob.pe/cl-ti-itmrconsruc/)
that enforces the anti-scraping defenses public clients report, to test a client against.

Sources (none checked against the live site):
- ../shared/sunat/README.md and its captured pages (../shared/sunat/pages/:
  consPorRuc_20573215045_company_2025.html and consPorRazonSoc_list_redacted_2026.html are the
  templates in templates/);
- giansalex/peru-consult (to 2023-12): consPorRazonSoc list page -> numRnd -> consPorRuc;
- CiaphasC/sunat-ruc-api (2025-07): cookies set by the form page's script, captcha?accion=image&nmagic=<n>,
  numRnd=<n>, a 52-character token, one retry with a new session on 401/403;
- crafter-research/sunat-cli (2024-2026): raw POSTs without numRnd get 404; SOL hosts drop
  non-browser User-Agents since 2026-08;
- the F5 "Request Rejected" page for Chrome User-Agents without client hints.
Where these are silent, the design choices are this package's own (see flow.py and sessions.py).

    with Standin(defenses={"numrnd", "cookie"}) as sunat:
        requests.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
"""

from .flow import DEFENSES
from .server import Standin

__all__ = ["DEFENSES", "Standin"]
