"""What the two state-guaranteed loan programs' pages share (getReactivaPeru, getPGarantiaCOVID19):
a yes/no answer to "does the taxpayer owe more than one UIT in cobranza coactiva?", the date of the
data and the law behind the program.

Structure as public clients read it: pholguinc/webscraping-sunat app/scraper.py takes the
answer from ``span.label`` and the h5 lines "actualizada al" and the legal reference; a public
Python scraper (unnamed, processors/*.py) reads ``h4 span.label`` on the COVID page and an h5
containing "Ley"; a public Go scraper (unnamed, go-rod) tells SI/SÍ from NO by the text and by
``label-danger`` / ``label-success``. The replica's guesses: the sentences, the dates, "SI"
without an accent, the share of RUCs that owe, and the answer when the ficha shows no button
(NO: a client that posts the form anyway gets a page, as pholguinc's fallback form suggests).
"""

import html
from dataclasses import dataclass
from datetime import date

from devtools.replica import templates
from devtools.replica.subpages.common import document, rng, says_no_information


@dataclass(frozen=True)
class Program:
    accion: str
    subject: str  # the page title's subject, as shown (Latin-1 letters literal)
    legal_reference: str  # HTML
    updated_at: date  # the date SUNAT says its data are from; fixed, so pages never depend on today
    owing_share: float  # how many companies owe


@dataclass(frozen=True)
class Answer:
    owes: bool
    updated_at: date
    legal_reference: str  # as text (the HTML's entities decoded)


def answer(program, ruc, config, offered=True):
    """What the page says for ``ruc``: a company owes now and then; persons, ``config.no_subpage_info``
    and RUCs whose ficha has no button never do."""
    owes = offered and not says_no_information(ruc, config) and rng(program.accion, ruc).random() < program.owing_share
    return Answer(owes, program.updated_at, html.unescape(program.legal_reference))


def render(program, ruc, name, config, offered=True):
    said = answer(program, ruc, config, offered)
    content = templates.render(
        "coactiva_programa.html",
        label_class="label-danger" if said.owes else "label-success",
        answer="SI" if said.owes else "NO",
        updated=f"{said.updated_at:%d/%m/%Y}",
        legal_reference=program.legal_reference,
    )
    return document(program.subject, content, ruc=ruc, name=name, accion=program.accion)
