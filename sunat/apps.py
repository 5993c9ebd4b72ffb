from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin import apps as admin_apps  # as a module: its AdminConfig is no default of ours


class SunatConfig(AppConfig):
    name = "sunat"
    verbose_name = "Consulta RUC (SUNAT)"

    def ready(self):
        from django.apps import apps

        from sunat.upstream import checks  # noqa: F401 (registers the checks)

        # django-axes names its section of the admin "Axes"; its pages' words are in locale/.
        apps.get_app_config("axes").verbose_name = "Bloqueos de acceso al admin"


class ServiceAdminSite(admin.AdminSite):
    """The admin of the service: its own section first on the index (Django sorts them by name)."""

    site_header = site_title = "Consulta RUC"
    index_title = "Administración del servicio"
    index_template = "sunat/admin/index.html"  # the overview's link first
    # The lists get the whole width of a 1280-pixel screen (the index lists every page).
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        return sorted(super().get_app_list(request, app_label), key=lambda app: app["app_label"] != "sunat")


class ServiceAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with ServiceAdminSite as admin.site (INSTALLED_APPS names this instead)."""

    default = False  # sunat's default config stays SunatConfig
    default_site = "sunat.apps.ServiceAdminSite"
