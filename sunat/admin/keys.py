"""API keys: created (shown once), rotated (the new one shown once, the old one valid for a grace
period the operator picks) and revoked here, each with its use: now, and day by day for 30 days."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join

from sunat.admin.base import FeminineMessages
from sunat.keys import services as api_keys
from sunat.models import ApiKey, KeyUsageDay

CREATED_TEMPLATE = "sunat/admin/apikey_created.html"
ROTATE_TEMPLATE = "sunat/admin/apikey_rotate.html"
USAGE_DAYS = 30
GRACE_CHOICES = [("0", "ninguno: la anterior deja de valer ya"), ("3600", "1 hora"), ("86400", "24 horas"),
                 ("604800", "7 días"), ("2592000", "30 días")]


class StateFilter(admin.SimpleListFilter):
    title = "estado"
    parameter_name = "estado"

    def lookups(self, request, model_admin):
        return (("activas", "activas"), ("revocadas", "revocadas"))

    def queryset(self, request, queryset):
        if self.value() == "activas":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revocadas":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class RotateForm(forms.Form):
    grace = forms.TypedChoiceField(label="La clave anterior sigue valiendo", choices=GRACE_CHOICES, coerce=int,
                                   initial="86400")
    # While the key before the last rotation still works, rotating again ends its grace at once: a
    # reload of the page that showed the new key must not do that unasked.
    end_grace = forms.BooleanField(label="Dejar de aceptar ya la clave anterior a la última rotación", required=False)

    def __init__(self, *args, grace_until=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.grace_until = grace_until
        if grace_until is None:
            del self.fields["end_grace"]

    def clean(self):
        cleaned = super().clean()
        if self.grace_until is not None and not cleaned.get("end_grace"):
            raise forms.ValidationError(
                f"La clave anterior a la última rotación aún vale hasta el {timezone.localtime(self.grace_until):%d/%m/%Y %H:%M}. "
                "Marque la casilla para rotar de nuevo y dejar de aceptarla ya.")
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(FeminineMessages, admin.ModelAdmin):
    """Keys are created here (shown once, stored hashed), rotated and revoked here; each shows its use.
    Never deleted: revoking keeps its watches and history, and the key stays refused."""
    empty_hint = "No hay claves de API: cree una con «Añadir clave de API» o python manage.py create_api_key <nombre>."

    list_display = ("name", "shown_prefix", "state", "quota_minute", "quota_day", "used_today", "last_used_at")
    list_filter = (StateFilter, "created_at")
    search_fields = ("name", "prefix")
    readonly_fields = ("shown_prefix", "state", "created_at", "last_used_at", "revoked_at", "previous_valid_until",
                       "used_this_minute", "used_today", "usage_by_day")
    actions = ("revoke",)
    change_form_template = "sunat/admin/apikey_change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "per_minute", "per_day", "watch_limit")
        return ("name", "shown_prefix", "state", "per_minute", "per_day", "watch_limit", "used_this_minute",
                "used_today", "last_used_at", "created_at", "revoked_at", "previous_valid_until", "usage_by_day")

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        rotate = path("<path:object_id>/rotar/", self.admin_site.admin_view(self.rotate_view),
                      name="sunat_apikey_rotate")
        revoke = path("<path:object_id>/revocar/", self.admin_site.admin_view(self.revoke_view),
                      name="sunat_apikey_revoke")
        return [rotate, revoke, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            api_keys.forget(obj.prefix)  # new quotas apply now, not when the cached copy expires
            return
        # Kept on this request's instance only, for response_add: never in messages, the session or a URL
        # (the messages cookie is signed, not encrypted, and the session is stored).
        obj._plain_key = api_keys.issue(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The page that answers the POST shows the key once, instead of a redirect with a message."""
        return self._shown_once(request, obj, obj._plain_key, "Clave creada")

    def rotate_view(self, request, object_id):
        """A new secret for the key: a form for the grace period, then the new key, shown once."""
        key = get_object_or_404(ApiKey, pk=object_id if str(object_id).isdigit() else None)
        if not self.has_change_permission(request, key):
            raise PermissionDenied
        if key.revoked_at is not None:
            return HttpResponseRedirect(reverse("admin:sunat_apikey_change", args=[key.pk]))
        running = key.previous_valid_until if key.previous_hash and key.previous_valid_until and \
            key.previous_valid_until > timezone.now() else None
        form = RotateForm(request.POST or None, grace_until=running)
        if request.method == "POST" and form.is_valid():
            grace = timedelta(seconds=form.cleaned_data["grace"])
            plain = api_keys.rotate(key, grace)
            self.log_change(request, key, [{"changed": {"fields": ["clave (rotada)"]}}])
            return self._shown_once(request, key, plain, "Clave rotada", rotated=True)
        context = {**self.admin_site.each_context(request), "title": f"Rotar la clave {key}", "opts": self.opts,
                   "key": key, "form": form}
        return TemplateResponse(request, ROTATE_TEMPLATE, context)

    def revoke_view(self, request, object_id):
        """The key's own "Revocar": the action's confirmation page for this key, then back to it."""
        key = get_object_or_404(ApiKey, pk=object_id if str(object_id).isdigit() else None)
        if not self.has_change_permission(request, key):
            raise PermissionDenied
        answer = self.revoke(request, ApiKey.objects.filter(pk=key.pk))
        return answer or HttpResponseRedirect(reverse("admin:sunat_apikey_change", args=[key.pk]))

    def _shown_once(self, request, key, plain, title, rotated=False):
        context = {**self.admin_site.each_context(request), "title": title, "opts": self.opts, "key": key,
                   "plain": plain, "rotated": rotated}
        response = TemplateResponse(request, CREATED_TEMPLATE, context)
        add_never_cache_headers(response)  # the admin's views do too; this page must never be kept
        return response

    @admin.display(description="clave")
    def shown_prefix(self, obj):
        return f"rk_{obj.prefix}_…" if obj.prefix else "-"

    @admin.display(description="estado", ordering="revoked_at")
    def state(self, obj):
        return "revocada" if obj.revoked_at else "activa"

    @admin.display(description="por minuto", ordering="per_minute")
    def quota_minute(self, obj):
        return obj.per_minute

    @admin.display(description="por día", ordering="per_day")
    def quota_day(self, obj):
        return obj.per_day

    @admin.display(description="uso este minuto")
    def used_this_minute(self, obj):
        return api_keys.usage(obj.prefix).minute if obj.prefix else 0

    @admin.display(description="uso hoy")
    def used_today(self, obj):
        return api_keys.usage(obj.prefix).day if obj.prefix else 0

    @admin.display(description=f"uso de los últimos {USAGE_DAYS} días")
    def usage_by_day(self, obj):
        since = timezone.localdate() - timedelta(days=USAGE_DAYS - 1)
        days = list(KeyUsageDay.objects.filter(key=obj, day__gte=since).order_by("-day").values_list("day", "requests"))
        if not days:
            return "sin solicitudes registradas"
        most = max(requests for _, requests in days) or 1
        rows = format_html_join("", '<tr><td>{}</td><td style="text-align: right;">{}</td><td style="width: 60%;">'
                                    '<div style="background: #79aec8; height: 0.8em; width: {}%;"></div></td></tr>',
                                ((day.strftime("%d/%m/%Y"), f"{requests:,}".replace(",", "."), round(100 * requests / most))
                                 for day, requests in days))
        return format_html('<table class="uso-por-dia"><thead><tr><th>Día</th><th>Solicitudes</th><th></th></tr>'
                           '</thead><tbody>{}</tbody></table>', rows)

    @admin.action(description="Revocar las claves seleccionadas", permissions=["change"])
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        if not keys:
            self.message_user(request, "Ninguna de las claves seleccionadas está activa.", messages.WARNING)
            return None
        if request.POST.get("post") != "yes":
            # Revoking cannot be undone: a page that says so, and asks again (as delete_selected does).
            context = {**self.admin_site.each_context(request), "title": "¿Revocar estas claves?", "opts": self.opts,
                       "keys": keys, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "sunat/admin/apikey_revoke.html", context)
        for key in keys:
            api_keys.revoke(key)
            self.log_change(request, key, [{"changed": {"fields": ["revocada"]}}])
        self.message_user(request, f"{len(keys)} clave(s) revocada(s).", messages.SUCCESS)
        return None
