"""SUNAT's registers of agents, good taxpayers and annexed establishments, each imported whole from its daily file.

Each table holds the RUCs of one register with what the file says of them; the importer fills
a copy and swaps it in whole (sunat.registers.importer), like the Padrón Reducido.
"""

from django.db import models

from sunat.models.padron import AddressParts


class RegisterMember(models.Model):
    """A RUC listed in one of SUNAT's registers (the file's four columns, in its order)."""

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    razon_social = models.TextField("nombre o razón social", null=True)
    desde = models.DateField("a partir del", null=True)
    resolucion = models.TextField("resolución", null=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.ruc} - {self.razon_social}"


class AgenteRetencion(RegisterMember):
    class Meta:
        db_table = "sunat_agente_retencion"
        verbose_name = "agente de retención"
        verbose_name_plural = "agentes de retención"


class AgentePercepcion(RegisterMember):
    class Meta:
        db_table = "sunat_agente_percepcion"
        verbose_name = "agente de percepción"
        verbose_name_plural = "agentes de percepción"


class AgentePercepcionVentaInterna(RegisterMember):
    class Meta:
        db_table = "sunat_agente_percepcion_vi"
        verbose_name = "agente de percepción (venta interna)"
        verbose_name_plural = "agentes de percepción (venta interna)"


class BuenContribuyente(RegisterMember):
    class Meta:
        db_table = "sunat_buen_contribuyente"
        verbose_name = "buen contribuyente"
        verbose_name_plural = "buenos contribuyentes"


class EstablecimientoAnexo(AddressParts):
    """One annexed establishment of a RUC, as SUNAT's padron_reducido_local_anexo file lists it
    (several rows per RUC, in the file's order; the file has no code or kind of establishment)."""

    id = models.BigAutoField(primary_key=True)  # the file's order
    ruc = models.CharField("RUC", max_length=11, db_index=True)

    class Meta:
        db_table = "sunat_establecimiento_anexo"
        verbose_name = "establecimiento anexo"
        verbose_name_plural = "establecimientos anexos"

    def __str__(self):
        return f"{self.ruc} - {self.ubigeo or ''}"
