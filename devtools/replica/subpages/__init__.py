"""The sub-pages of a result page, one module each (its declaration, data and markup), and the
forms that lead to them.

PAGES is in the order the result page shows their forms (the 2021 captures): three to a row,
the establishments' form alone in the last row. A module's ``applies`` says whether SUNAT
shows its button for a synthetic RUC; captured pages carry their own forms (Catalog.offers).
"""

from devtools.replica.subpages import (
    actas_probatorias,
    deuda_coactiva,
    establecimientos,
    facturas_fisicas,
    historico,
    omisiones,
    programa_covid19,
    reactiva_peru,
    representantes,
    trabajadores,
)
from devtools.replica.subpages.common import SubPage, form_html
from devtools.replica.subpages.representantes import representatives  # noqa: F401 (tests read the data)
from devtools.replica.subpages.trabajadores import worker_periods  # noqa: F401

PAGES = (
    historico.PAGE, deuda_coactiva.PAGE, omisiones.PAGE,
    trabajadores.PAGE, actas_probatorias.PAGE, facturas_fisicas.PAGE,
    reactiva_peru.PAGE, programa_covid19.PAGE, representantes.PAGE,
    establecimientos.PAGE,
)
BY_ACCION = {page.accion: page for page in PAGES}
_ALONE = {establecimientos.PAGE.accion}  # in a row of its own, like the captures' formLocAnex


def forms_html(ruc, name):
    """The forms block of a synthetic result page: the forms of the sub-pages that apply to ``ruc``."""
    shown = [page for page in PAGES if page.applies(ruc)]
    in_rows = [page for page in shown if page.accion not in _ALONE]
    rows = [in_rows[start:start + 3] for start in range(0, len(in_rows), 3)]
    blocks = [_row(form_html(page, ruc, name) for page in row) for row in rows]
    blocks += [_row([form_html(page, ruc, name, column="col-sm-12")]) for page in shown if page.accion in _ALONE]
    return "\n                    <br>\n".join(blocks)


def _row(forms):
    return '                    <div class="row">\n' + "\n".join(forms) + "\n                    </div>"


__all__ = ["BY_ACCION", "PAGES", "SubPage", "forms_html"]
