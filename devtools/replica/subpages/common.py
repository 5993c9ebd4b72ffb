"""What every replicated sub-page shares: its declaration (SubPage), its form on the result page,
the page around its content, and the helpers that derive its data from the RUC.

Everything derives from the RUC (``random.Random`` with a str seed is stable across runs),
so a RUC always gets the same page.
"""

import html
import random
from collections.abc import Callable
from dataclasses import dataclass

from devtools.replica import templates


@dataclass(frozen=True)
class SubPage:
    """One sub-page of the result page (getRepLeg, getLocAnex...), declared in its own module."""

    accion: str  # jcrS00Alias accion
    form: str  # the result page's form that asks for it
    button_class: str  # the button's class (SUNAT's scripts bind the click to it)
    button_text: str  # the button's text, as SUNAT serves it (HTML)
    ruc_first: bool  # the form's hidden inputs: nroRuc before desRuc (True) or after (False)
    # Whether SUNAT shows the button for a synthetic RUC (captured pages carry their own forms).
    applies: Callable[[str], bool]
    # (RUC, the posted desRuc, ReplicaConfig, offered: whether the result page shows the button)
    # -> the page's HTML (str; the server encodes it to ISO-8859-1).
    render: Callable[..., str]


def rng(accion, ruc):
    """The RUC's own random source for one sub-page."""
    return random.Random(f"{accion}:{ruc}")


def is_company(ruc):
    return ruc.startswith("20")


def says_no_information(ruc, config):
    """Persons (10...) and the RUCs in ``config.no_subpage_info`` get the "no information" variant."""
    return not is_company(ruc) or ruc in config.no_subpage_info


def form_html(page, ruc, name, column="col-sm-4"):
    inputs = [f'                                <input type="hidden" name="nroRuc" value="{html.escape(ruc)}">',
              f'                                <input type="hidden" name="desRuc" value="{html.escape(name)}">']
    return templates.render(
        "sub_page_form.html", column=column, form=page.form, button_class=page.button_class,
        button_text=page.button_text, accion=page.accion,
        ruc_inputs="\n".join(inputs if page.ruc_first else reversed(inputs)),
    )


def document(subject, content, *, ruc, name, accion, note=""):
    """A sub-page: the title "<subject> de <RUC> - <name>" and ``content`` in the result panel."""
    return templates.render(
        "sub_page.html",
        note=f"replica: {accion} for RUC {html.escape(ruc)}{note}".replace("--", "- -"),
        subject=subject,
        content=content,
        ruc=html.escape(ruc),
        name=html.escape(name),
        year=templates.now_in_lima().year,
    )


def message(text):
    """The content of a "no information" variant: ``text`` (HTML) in an h5, as public clients read it."""
    return templates.render("sub_page_message.html", message=text)


def table_rows(rows):
    """<tr> lines; cells keep SUNAT's ragged whitespace around the values."""
    indent = " " * 40
    return "\n".join(
        f"{indent}<tr>"
        + "".join(f"\n{indent}    <td>\n{indent}        {html.escape(cell)}   </td>" for cell in row)
        + f"\n{indent}</tr>"
        for row in rows
    )


def message_row(text, columns):
    """A table's only row: one cell across all ``columns`` saying ``text`` (HTML), e.g. "No hay Información"."""
    indent = " " * 40
    return f'{indent}<tr>\n{indent}    <td colspan="{columns}" align="center">{text}</td>\n{indent}</tr>'
