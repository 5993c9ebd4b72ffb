"""SUNAT's exchange rate (sunat.exchange): each published rate, and what is known of each month."""

import calendar
from datetime import date

from django.db import models
from django.utils import timezone


class ExchangeRate(models.Model):
    """A rate SUNAT published: it never changes, and is never asked again."""

    fecha = models.DateField("publicado el", unique=True)
    compra = models.DecimalField("compra", max_digits=6, decimal_places=3)
    venta = models.DecimalField("venta", max_digits=6, decimal_places=3)
    fetched_at = models.DateTimeField("consultado en")

    class Meta:
        verbose_name = "tipo de cambio"
        verbose_name_plural = "tipos de cambio"
        ordering = ["-fecha"]

    def __str__(self):
        return f"{self.fecha:%d/%m/%Y}: compra {self.compra}, venta {self.venta}"


class ExchangeMonth(models.Model):
    """When SUNAT was last asked for a month: it knows every day before that one, and the whole month
    once asked after it ended (settled: never asked again)."""

    month = models.DateField("mes", unique=True)  # its first day
    asked_at = models.DateTimeField("consultado en")

    class Meta:
        verbose_name = "mes de tipos de cambio"
        verbose_name_plural = "meses de tipos de cambio"

    @property
    def settled(self) -> bool:
        return timezone.localdate(self.asked_at) > last_day(self.month)


def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])
