from django.apps import AppConfig


class SunatConfig(AppConfig):
    name = "sunat"
    verbose_name = "Consulta RUC (SUNAT)"

    def ready(self):
        from django.apps import apps

        from sunat.upstream import checks  # noqa: F401 (registers the checks)

        # django-axes names its section of the admin "Axes"; its pages' words are in locale/.
        apps.get_app_config("axes").verbose_name = "Bloqueos de acceso al admin"
