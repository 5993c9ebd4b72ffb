from django.core.management.base import BaseCommand
from django.db import DatabaseError

from sunat.management.setup import missing_steps


class Command(BaseCommand):
    help = ("Dice qué le falta a esta instalación (administrador, clave de API, registros de SUNAT, prueba de "
            "SUNAT) y con qué comando se hace. Termina siempre con 0: el contenedor web lo corre al arrancar.")

    def handle(self, *args, **options):
        try:
            steps = missing_steps()
        except DatabaseError as exc:
            # Informative only: a start must not fail here (migrate ran just before).
            self.stderr.write(f"Puesta en marcha: no se pudo revisar la base de datos ({exc}).")
            return
        if not steps:
            self.stdout.write("Puesta en marcha: completa (administrador, clave de API, registros y prueba de SUNAT).")
            return
        self.stdout.write(f"Puesta en marcha: {'falta un paso' if len(steps) == 1 else f'faltan {len(steps)} pasos'}.")
        for step in steps:
            self.stdout.write(f"  - {step.missing}: python manage.py {step.command}")
