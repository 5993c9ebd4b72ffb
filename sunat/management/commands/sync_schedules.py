from django.core.management.base import BaseCommand

from sunat import jobs


class Command(BaseCommand):
    help = ("Registra las tareas periódicas del servicio en la cola de tareas (django-q2): la entrega de "
            "webhooks y la revisión de los RUC vigilados, cada minuto. El servicio worker lo ejecuta antes de "
            "manage.py qcluster.")

    def handle(self, *args, **options):
        names = jobs.sync_schedules()
        self.stdout.write(f"Tareas periódicas registradas: {', '.join(names)}.")
