"""A stand-in of SUNAT's exchange rate ("tipo de cambio") to test a client against: the calendar page
(e-consulta.sunat.gob.pe/cl-at-ittipcam/tcS01Alias), its JSON month query and the one-line
www.sunat.gob.pe/a/txt/tipoCambio.txt, on one loopback port.

Sources (none checked against the live site):
- crafter-research/sunat-cli, packages/cli/src/sunat-rest/tipo-cambio.ts (measured 2026-08): the
  page's calendar is filled by POST tcS01Alias/listarTipoCambio with the JSON body
  {"anio", "mes" (from 0), "token"}; it answers [{"fecPublica": "DD/MM/YYYY", "valTipo": "3.372",
  "codTipo": "C"|"V"}, ...], two rows per published day; the token is a reCAPTCHA v3 token in the
  browser, but any non-empty value passes and an empty one gets [] with 200; the firewall rejects
  requests without a browser's User-Agent, Referer, Origin, X-Requested-With and Sec-Fetch-* headers
  (its headers: Accept "application/json, text/javascript, */*; q=0.01", Content-Type
  "application/json; charset=utf-8", Sec-Fetch-Dest empty, Mode cors, Site same-origin). It posts
  without loading the page first: no session cookie is needed, and none is asked for here.
- issue 29 of this project, and the peers that read tipoCambio.txt (odoo's l10n_pe currency
  provider, PHP and C# snippets found with the search tool): one line `DD/MM/YYYY|compra|venta|`,
  fetched with a plain GET and no special headers.
- Peru's national holidays (Ley 31788 added 7 June, 23 July, 6 August and 9 December from 2024).

Where the sources are silent, the choices are this stand-in's own:
- before today's rate is published, tipoCambio.txt still holds the last published day's line
  (odoo takes the date from the line rather than assuming today's);
- the firewall's page is the F5 "Request Rejected" page with HTTP 200, as for Consulta RUC;
- rates are made up, deterministic per date; a day is published if it is a business day that is
  not a holiday, and not after "today" (today only when `today_published`).

    with TipoCambioStandin(today=date(2025, 11, 5)) as sunat:
        requests.post(sunat.url + "/listarTipoCambio", json={"anio": 2025, "mes": 10, "token": "x"}, ...)
"""

from .rates import HOLIDAYS, is_published_day, rate_for
from .server import MODES, TipoCambioStandin

__all__ = ["HOLIDAYS", "MODES", "TipoCambioStandin", "is_published_day", "rate_for"]
