"""Which RUC gets which page.

* ``pages/consPorRuc_<RUC>_*.html``: served for that RUC exactly as captured
  (capture note, CRLFs and, for 20146806679, the two documents it holds).
* ``pages/consPorRuc_person_redacted_2026.html``: a person's result panel with
  placeholders; served for PERSON_RUC with real-looking numbers, inside the
  2025 page's document shell.
* Any other RUC with a valid check digit: a synthetic page, if enabled.
* Everything else (bad format, bad check digit, ``config.not_found``): None,
  i.e. SUNAT's "no es válido" message.
"""

import re
from pathlib import Path

from . import templates
from .rucs import is_valid_ruc

PAGES_DIR = Path(__file__).resolve().parent / "pages"
CAPTURED_PAGE = re.compile(r"^consPorRuc_(\d{11})_.+\.html$")

PERSON_PAGE = "consPorRuc_person_redacted_2026.html"
PERSON_RUC = "10123456781"  # 10 + DNI + check digit
PERSON_DNI = "12345678"
_RUC_PLACEHOLDER = "10DDDDDDDDC"
_DNI_PLACEHOLDER = "DDDDDDDD"
_LEADING_COMMENT = re.compile(r"\A\s*<!--.*?-->\s*", re.S)


def _read(path):
    # newline="" keeps the CRLFs of the 2021 captures byte for byte.
    with open(path, encoding="utf-8", newline="") as page:
        return page.read()


def _name_in(page, ruc):
    """The name from the "RUC - NAME" heading of a result page."""
    match = re.search(re.escape(ruc) + r"\s*-\s*([^<]+?)\s*</h4>", page)
    return match.group(1) if match else ""


def person_document(panel_capture):
    """The redacted person panel as a whole page for PERSON_RUC."""
    panel = _LEADING_COMMENT.sub("", panel_capture, count=1)
    # The RUC placeholder contains the DNI one: replace it first.
    panel = panel.replace(_RUC_PLACEHOLDER, PERSON_RUC).replace(_DNI_PLACEHOLDER, PERSON_DNI)
    note = (
        f"replica: {PERSON_PAGE} (panel only, 05/01/2026) with its placeholders filled "
        f"(RUC {PERSON_RUC}, DNI {PERSON_DNI}), wrapped in the 2025 page's document"
    )
    return templates.result_document(
        panel, ruc=PERSON_RUC, name=_name_in(panel, PERSON_RUC), note=note
    )


class Catalog:
    def __init__(self, pages_dir=PAGES_DIR):
        pages_dir = Path(pages_dir)
        self._pages = {}
        for path in sorted(pages_dir.glob("consPorRuc_*.html")):
            match = CAPTURED_PAGE.match(path.name)
            if match:
                self._pages[match.group(1)] = _read(path)
        person = pages_dir / PERSON_PAGE
        if person.exists():
            self._pages[PERSON_RUC] = person_document(_read(person))

    @property
    def rucs(self):
        """RUCs with a captured page (the person RUC included)."""
        return sorted(self._pages)

    def captured_page(self, ruc):
        return self._pages.get(ruc)

    def exists(self, ruc, config):
        """SUNAT knows ``ruc``: it has a captured page or gets a synthetic one."""
        if not is_valid_ruc(ruc) or ruc in config.not_found:
            return False
        return ruc in self._pages or config.synthetic

    def result_page(self, ruc, config):
        """The consPorRuc result for ``ruc``, or None for "no es válido"."""
        if not self.exists(ruc, config):
            return None
        page = self._pages.get(ruc)
        return page if page is not None else templates.synthetic_result_page(ruc)

    def offers(self, ruc, page):
        """Whether the result page of ``ruc`` shows the button of sub-page ``page`` (subpages.SubPage)."""
        captured = self._pages.get(ruc)
        if captured is not None and ruc != PERSON_RUC:  # the person's page gets the synthetic forms
            return f'name="{page.form}"' in captured
        return page.applies(ruc)

    def name_for(self, ruc):
        page = self._pages.get(ruc)
        if page is not None:
            return _name_in(page, ruc)
        return templates.synthetic_name(ruc)
