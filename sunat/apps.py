from django.apps import AppConfig


class SunatConfig(AppConfig):
    name = "sunat"
    verbose_name = "Consulta RUC (SUNAT)"

    def ready(self):
        from sunat.upstream import checks  # noqa: F401 (registers the checks)
