from django.core.management.base import BaseCommand

from sunat import caching
from sunat.lookups import ruc_cache


class Command(BaseCommand):
    help = "Muestra el backend de la caché, si responde y (con Redis) las claves de RUC y la memoria usada."

    def handle(self, *args, **options):
        status = ruc_cache.status()
        self.stdout.write(f"backend: {status['backend']}")
        self.stdout.write(f"responde: {'sí' if status['reachable'] else 'no'}")
        if "ruc_keys" in status:
            self.stdout.write(f"claves de RUC: {status['ruc_keys']}")
        if "used_memory" in status:
            self.stdout.write(f"memoria usada: {status['used_memory_human']} ({status['used_memory']} bytes)")
        if not caching.uses_redis():
            self.stdout.write(
                "Nota: LocMem vive dentro de cada proceso; estas cifras son las del propio proceso de este "
                "comando, no las de la caché de un servidor en marcha."
            )
        if not status["reachable"]:
            raise SystemExit(1)
