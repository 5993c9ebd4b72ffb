"""accion=consPorRazonSoc: the list page of a search by name.

Built on the captured pages/consPorRazonSoc_list_redacted_2026.html (html/list_page.html,
html/list_row.html): one row per taxpayer, and the selecXNroRuc form whose hidden numRnd
giansalex/peru-consult posts back with consPorRuc (``actReturn=1``, no token). The numRnd is
fresh on every list page and registered to the session (defenses.py, require_numrnd).
"""

import html
import random
import secrets

from . import templates
from .rucs import make_ruc

MAX_ROWS = 10
SYNTHETIC_ROWS = 3


def new_numrnd():
    """A numRnd like the captured ones (1413385332, 1436372347): ten digits."""
    return str(10**9 + secrets.randbelow(9 * 10**9))


def matching_rucs(query, catalog, config):
    """The captured taxpayers whose name holds ``query``; else a few synthetic ones of its own."""
    needle = query.upper()
    found = [ruc for ruc in catalog.rucs if needle in catalog.name_for(ruc).upper()]
    if found or not config.synthetic:
        return found[:MAX_ROWS]
    rng = random.Random(f"consPorRazonSoc:{needle}")  # the same query lists the same RUCs
    rucs = {make_ruc(f"206{rng.randrange(10**7):07d}") for _ in range(SYNTHETIC_ROWS)}
    return sorted(ruc for ruc in rucs if catalog.exists(ruc, config))


def list_page(query, catalog, config, numrnd):
    rows = [
        templates.render(
            "list_row.html",
            ruc=ruc,
            name=html.escape(catalog.name_for(ruc)),
            ubicacion="LIMA",
        )
        for ruc in matching_rucs(query, catalog, config)
    ]
    now = templates.now_in_lima()
    return templates.render(
        "list_page.html",
        note="replica: consPorRazonSoc list page, built on consPorRazonSoc_list_redacted_2026.html",
        rows="".join(rows).rstrip("\n"),
        fecha_consulta=f"{now:%d/%m/%Y %H:%M}",
        year=now.year,
        num_rnd=numrnd,
    )
