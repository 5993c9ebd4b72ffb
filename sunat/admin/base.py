"""What several admin pages share."""

import json
from datetime import timedelta

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.timesince import timesince

from sunat.upstream.sections import ttl_of


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the service writes itself (imports, lookups, deliveries): listed and shown, never added,
    changed or deleted here. Each says what fills its list while it is empty (empty_hint, shown by
    templates/admin/change_list.html)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FeminineMessages:
    """Django's Spanish messages say "El {name} “…” fue agregado" of every model; a ModelAdmin of a
    model whose name is feminine (la clave de API) mixes this in to say it right."""

    _WORDS = (("El {name} ", "La {name} "), ("fue agregado", "fue agregada"), ("volverlo", "volverla"),
              ("editarlo", "editarla"), ("agregar otro {name}", "agregar otra {name}"))

    def message_user(self, request, message, *args, **kwargs):
        text = str(message)
        for masculine, feminine in self._WORDS:
            text = text.replace(masculine.format(name=self.opts.verbose_name), feminine.format(name=self.opts.verbose_name))
        super().message_user(request, mark_safe(text) if isinstance(message, SafeData) else text, *args, **kwargs)


def age(moment) -> str:
    """How long ago, in Spanish, to the largest unit: "3 días", "5 minutos"."""
    if moment is None:
        return "-"
    if timezone.now() - moment < timedelta(minutes=1):
        return "menos de un minuto"
    return timesince(moment, depth=1)


def freshness(record) -> str:
    """A stored answer's age, marked "(vencida)" once older than its TTL."""
    text = age(record.fetched_at)
    return format_html('<span class="vencida">{} (vencida)</span>', text) if record.seconds_left(ttl_of(record.section)) <= 0 else text


def json_block(data) -> str:
    """Stored JSON as the admin shows it: indented, in a <pre>."""
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False))


class EstimatedCountPaginator(Paginator):
    """For registers of millions of rows: the unfiltered list's count is the database's estimate
    (PostgreSQL's statistics, SQLite's largest rowid), never a COUNT(*) over the whole table on
    every page. A filtered list (a search) is counted, as it is small."""

    @cached_property
    def count(self):
        if self.object_list.query.where:
            return super().count
        estimate = estimated_rows(self.object_list.model._meta.db_table)
        return estimate if estimate is not None else super().count


def estimated_rows(table: str) -> int | None:
    """The planner's row estimate of `table` (None when it has none: never analysed)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        else:
            cursor.execute(f"SELECT max(rowid) FROM {connection.ops.quote_name(table)}")
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None
