"""API keys: created (shown once) and revoked here, each with its use."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from sunat.keys import services as api_keys
from sunat.models import ApiKey

CREATED_TEMPLATE = "sunat/admin/apikey_created.html"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here (shown once, stored hashed) and revoked here; each shows its use."""

    list_display = ("name", "shown_prefix", "per_minute", "per_day", "used_this_minute", "used_today",
                    "last_used_at", "created_at", "revoked_at")
    list_filter = ("revoked_at", "created_at")
    search_fields = ("name", "prefix")
    readonly_fields = ("shown_prefix", "created_at", "last_used_at", "revoked_at", "used_this_minute", "used_today")
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "per_minute", "per_day", "watch_limit")
        return ("name", "shown_prefix", "per_minute", "per_day", "watch_limit", "used_this_minute", "used_today",
                "last_used_at", "created_at", "revoked_at")

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
        context = {
            **self.admin_site.each_context(request),
            "title": "Clave creada",
            "opts": self.opts,
            "key": obj,
            "plain": obj._plain_key,
        }
        response = TemplateResponse(request, CREATED_TEMPLATE, context)
        add_never_cache_headers(response)  # the admin's views do too; this page must never be kept
        return response

    @admin.display(description="clave")
    def shown_prefix(self, obj):
        return f"rk_{obj.prefix}_…" if obj.prefix else "-"

    @admin.display(description="uso este minuto")
    def used_this_minute(self, obj):
        return api_keys.usage(obj.prefix).minute if obj.prefix else 0

    @admin.display(description="uso hoy")
    def used_today(self, obj):
        return api_keys.usage(obj.prefix).day if obj.prefix else 0

    @admin.action(description="Revocar las claves seleccionadas")
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            api_keys.revoke(key)
        self.message_user(request, f"{len(keys)} clave(s) revocada(s).", messages.SUCCESS)
