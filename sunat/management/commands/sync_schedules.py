from django.core.management.base import BaseCommand, CommandError

from sunat import schedules


class Command(BaseCommand):
    help = ("Registra las tareas periódicas del servicio en la cola de tareas (django-q2): la entrega de "
            "webhooks, la revisión de los RUC vigilados y el latido del worker (que /health y el admin leen) cada "
            "minuto, y la sincronización diaria de los archivos "
            "de SUNAT a la hora SUNAT_SYNC_TIME de Lima. El servicio worker lo ejecuta antes de manage.py qcluster.")

    def handle(self, *args, **options):
        try:
            names = schedules.sync_schedules()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Tareas periódicas registradas: {', '.join(names)}.")
