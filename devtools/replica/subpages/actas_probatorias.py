"""accion=getActPro: the actas probatorias (the result page's formActPro).

Structure as public clients read it: eliacer95/scraper-ruc-sunat lib/scraper-ruc.js (2017 layout)
and a public Go scraper (unnamed, go-rod) agree on eight columns read by position: número de
acta, fecha, lugar de intervención, artículo/numeral, descripción de la infracción, número and
tipo de RIZ/ROZ, acta de reconocimiento; both stop at a one-cell row "No existe información".
The replica's guesses: the header texts (no source quotes them), the number formats, the
sanctions and the wording after "No existe información". Most companies have no actas;
persons and ``config.no_subpage_info`` get the one-cell row too.
"""

from dataclasses import dataclass
from datetime import date

from devtools.replica import templates
from devtools.replica.subpages.common import SubPage, document, message_row, rng, says_no_information, table_rows

ACCION = "getActPro"
SUBJECT = "Actas Probatorias"
NO_INFORMATION = "No existe informaci&oacute;n de Actas Probatorias."
COLUMNS = 8

# Places and infractions carry Latin-1 letters, so every acta exercises the encoding.
PLACES = (
    "AV. JOSÉ GÁLVEZ BARRENECHEA NRO. 520 - SAN ISIDRO", "JR. HUÁNUCO NRO. 1215 - LA VICTORIA",
    "CAL. SAN MARTÍN NRO. 340 - SAN VICENTE DE CAÑETE", "MERCADO MODELO PUESTO 12 - HUANCAYO",
    "CARRETERA PANAMERICANA SUR KM. 57 - CHILCA", "AV. ÁNGAMOS ESTE NRO. 1805 - SURQUILLO",
)
# Artículo 174 del Código Tributario (the infractions an acta probatoria usually records).
INFRACTIONS = (
    ("ART. 174° NUM. 1", "NO EMITIR Y/O NO OTORGAR COMPROBANTES DE PAGO O DOCUMENTOS COMPLEMENTARIOS A ÉSTOS, "
                         "DISTINTOS A LA GUÍA DE REMISIÓN."),
    ("ART. 174° NUM. 2", "EMITIR Y/U OTORGAR COMPROBANTES DE PAGO QUE NO CORRESPONDEN AL RÉGIMEN DEL DEUDOR "
                         "TRIBUTARIO O AL TIPO DE OPERACIÓN REALIZADA."),
    ("ART. 174° NUM. 3", "EMITIR Y/U OTORGAR DOCUMENTOS QUE NO REÚNEN LOS REQUISITOS Y CARACTERÍSTICAS PARA SER "
                         "CONSIDERADOS COMPROBANTES DE PAGO."),
    ("ART. 174° NUM. 4", "TRANSPORTAR BIENES Y/O PASAJEROS SIN PORTAR EL CORRESPONDIENTE COMPROBANTE DE PAGO O "
                         "GUÍA DE REMISIÓN."),
    ("ART. 174° NUM. 8", "REMITIR BIENES SIN EL COMPROBANTE DE PAGO, GUÍA DE REMISIÓN Y/U OTRO DOCUMENTO PREVISTO "
                         "POR LAS NORMAS."),
)
SANCTIONS = ("MULTA", "CIERRE DE ESTABLECIMIENTO", "COMISO", "INTERNAMIENTO TEMPORAL DE VEHÍCULO")


@dataclass(frozen=True)
class Acta:
    numero: str
    fecha: date
    lugar: str
    articulo_numeral: str
    descripcion: str
    # "-" where SUNAT gives none (no resolution yet, no acta de reconocimiento).
    numero_ri_roz: str
    tipo_ri_roz: str
    acta_reconocimiento: str

    def cells(self):
        return (self.numero, f"{self.fecha:%d/%m/%Y}", self.lugar, self.articulo_numeral, self.descripcion,
                self.numero_ri_roz, self.tipo_ri_roz, self.acta_reconocimiento)


def actas(ruc):
    """0 to 3 actas, oldest first; most companies have none."""
    random = rng(ACCION, ruc)
    count = random.choice((0, 0, 0, 0, 1, 1, 2, 3))
    found = sorted((_acta(random) for _ in range(count)), key=lambda acta: acta.fecha)
    return found


def _acta(random):
    fecha = date(random.randint(2010, 2024), random.randint(1, 12), random.randint(1, 28))
    articulo, descripcion = random.choice(INFRACTIONS)
    resolved = random.random() < 0.7
    return Acta(
        numero=f"{random.randint(20, 239):03d}{fecha.year}{random.randrange(10**6):06d}",
        fecha=fecha,
        lugar=random.choice(PLACES),
        articulo_numeral=articulo,
        descripcion=descripcion,
        numero_ri_roz=f"{random.randint(20, 239):03d}-002-{random.randrange(10**7):07d}" if resolved else "-",
        tipo_ri_roz=random.choice(SANCTIONS) if resolved else "-",
        acta_reconocimiento=f"{random.randrange(10**8):08d}" if random.random() < 0.2 else "-",
    )


def page(ruc, name, actas_shown):
    """The table of ``actas_shown``; with none, the table keeps one "no information" row."""
    if actas_shown:
        rows = table_rows(acta.cells() for acta in actas_shown)
    else:
        rows = message_row(NO_INFORMATION, COLUMNS)
    content = templates.render("actas_probatorias_table.html", rows=rows)
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def render(ruc, name, config, offered=True):
    return page(ruc, name, [] if says_no_information(ruc, config) else actas(ruc))


PAGE = SubPage(
    accion=ACCION, form="formActPro", button_class="btnInfActPro", button_text="Actas Probatorias",
    ruc_first=False, applies=lambda ruc: True, render=render,
)
