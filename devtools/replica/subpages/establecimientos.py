"""accion=getLocAnex: the annexed establishments (the result page's formLocAnex).

Sources for the page's structure:
* columns código | tipo de establecimiento | dirección | actividad económica, in that order,
  the address ending "DEPARTAMENTO - PROVINCIA - DISTRITO" like the ficha's: JossMP/sunatphp
  src/ruc.php (XPath //div[@class='list-group-item']/table/tbody/tr), pholguinc/webscraping-sunat
  app/scraper.py, and a public scraper (unnamed) that reads table.table > tbody > tr > td;
* the "no information" answer is SUNAT's error page with "No se encontró información para
  locales anexos." in p.error: public scrapers (unnamed, an Odoo module and a Python one);
* the button is missing when the taxpayer has no annexes (the 2025 company capture).

The replica's guess: the header wording, the tipo and actividad values, and how many annexes a
RUC has. Companies get 0 to 5 annexes derived from the RUC, and the result page offers the button
only to those with some; persons get none. A RUC without annexes (or in
``config.no_subpage_info``) gets the error page.
"""

from dataclasses import dataclass

from devtools.replica import templates
from devtools.replica.subpages.common import SubPage, document, is_company, rng, says_no_information, table_rows

ACCION = "getLocAnex"
SUBJECT = "Establecimientos Anexos"
# Literal Latin-1, as the public scrapers compare it.
NO_INFORMATION = "No se encontró información para locales anexos."

# (departamento as printed, provincia, distrito, INEI ubigeo): real districts, so the parser's
# ubigeo can be checked; the Callao one is printed the way SUNAT names it.
DISTRICTS = (
    ("LIMA", "LIMA", "MIRAFLORES", "150122"),
    ("LIMA", "LIMA", "SAN ISIDRO", "150131"),
    ("LIMA", "LIMA", "BREÑA", "150105"),
    ("LIMA", "LIMA", "SANTIAGO DE SURCO", "150140"),
    ("LIMA", "LIMA", "LA MOLINA", "150114"),
    ("PROV. CONST. DEL CALLAO", "CALLAO", "BELLAVISTA", "070102"),
    ("AREQUIPA", "AREQUIPA", "YANAHUARA", "040126"),
    ("LA LIBERTAD", "TRUJILLO", "TRUJILLO", "130101"),
    ("CUSCO", "CUSCO", "CUSCO", "080101"),
    ("JUNIN", "HUANCAYO", "HUANCAYO", "120101"),
    ("HUANUCO", "LEONCIO PRADO", "RUPA-RUPA", "100601"),
    ("LAMBAYEQUE", "CHICLAYO", "CHICLAYO", "140101"),
    ("PIURA", "PIURA", "PIURA", "200101"),
)
# Street names carry Latin-1 letters, so the addresses exercise the encoding.
STREETS = (
    "AV. JOSÉ GÁLVEZ BARRENECHEA", "JR. HUÁNUCO", "CAL. LOS ÑANDÚES", "AV. MARISCAL CÁCERES",
    "JR. JUNÍN", "AV. PERÚ", "CAL. SAN MARTÍN DE PORRES", "PJ. LAS ACACIAS",
)
TIPOS = (
    "SUCURSAL", "LOCAL COMERCIAL O DE SERVICIOS", "DEPÓSITO", "OFICINA ADMINISTRATIVA",
    "PLANTA INDUSTRIAL", "AGENCIA", "OTROS",
)
ACTIVIDADES = (
    "VENTA AL POR MAYOR DE ALIMENTOS, BEBIDAS Y TABACO", "ACTIVIDADES DE CONSULTORÍA DE GESTIÓN",
    "ALMACENAMIENTO Y DEPÓSITO", "TRANSPORTE DE CARGA POR CARRETERA",
    "VENTA AL POR MENOR DE PRODUCTOS FARMACÉUTICOS",
)
# Annex counts a company draws from: about a third have none.
COUNTS = (0, 0, 0, 1, 1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Establishment:
    codigo: str  # "0001"
    tipo: str
    street: str  # the address before its ubigeo tail
    district: tuple | None  # a DISTRICTS entry; None: an address without the tail
    actividad: str | None  # None: the cell shows "-"
    spaces: int  # the run of spaces SUNAT leaves before the tail

    @property
    def direccion(self):
        if self.district is None:
            return self.street
        departamento, provincia, distrito, _ = self.district
        return f"{self.street} {departamento} - {provincia} - {distrito}"

    def cell(self):
        """The address cell as shown, with its ragged run of spaces."""
        return self.direccion.replace(f"{self.street} ", self.street + " " * self.spaces, 1)


def anexo_count(ruc):
    """How many annexes ``ruc`` has: 0 to 5 for companies, 0 for persons."""
    return rng(ACCION, ruc).choice(COUNTS) if is_company(ruc) else 0


def establishments(ruc, minimum=0):
    """The annexes of ``ruc`` (at least ``minimum``), codes increasing with gaps like closed ones."""
    random = rng(ACCION, ruc)
    count = max(minimum, random.choice(COUNTS) if is_company(ruc) else 0)
    code, result = 0, []
    for _ in range(count):
        code += random.randint(1, 3)
        street = f"{random.choice(STREETS)} NRO. {random.randint(100, 2999)}"
        if random.random() < 0.25:
            street += f" INT. {random.randint(1, 9)}{random.choice('ABC')}"
        district = random.choice(DISTRICTS) if random.random() < 0.9 else None
        actividad = random.choice(ACTIVIDADES) if random.random() < 0.85 else None
        result.append(Establishment(
            f"{code:04d}", random.choice(TIPOS), street, district, actividad, random.choice((1, 1, 3, 40)),
        ))
    return result


def page(ruc, name, shown):
    """The table of ``shown`` annexes, or SUNAT's error page when there are none."""
    if not shown:
        return templates.error_page(NO_INFORMATION)
    rows = [(est.codigo, est.tipo, est.cell(), est.actividad or "-") for est in shown]
    content = templates.render("establecimientos_table.html", rows=table_rows(rows))
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def render(ruc, name, config, offered=True):
    if says_no_information(ruc, config) or not offered:
        return page(ruc, name, [])
    # A captured page may offer the button to a RUC whose draw has no annexes: it has one at least.
    return page(ruc, name, establishments(ruc, minimum=1))


PAGE = SubPage(
    accion=ACCION, form="formLocAnex", button_class="btnInfLocAnex", button_text="Establecimiento(s) Anexo(s)",
    ruc_first=True, applies=lambda ruc: anexo_count(ruc) > 0, render=render,
)
