from django.core.management.base import BaseCommand

from sunat.lookups import cache as ruc_cache
from sunat import caching


class Command(BaseCommand):
    help = "Show the cache backend, whether it answers and (on Redis) the RUC keys and memory used."

    def handle(self, *args, **options):
        status = ruc_cache.status()
        self.stdout.write(f"backend: {status['backend']}")
        self.stdout.write(f"reachable: {'yes' if status['reachable'] else 'no'}")
        if "ruc_keys" in status:
            self.stdout.write(f"ruc keys: {status['ruc_keys']}")
        if "used_memory" in status:
            self.stdout.write(f"memory used: {status['used_memory_human']} ({status['used_memory']} bytes)")
        if not caching.uses_redis():
            self.stdout.write(
                "Note: LocMem lives inside each process; these figures describe this command's own "
                "process, not the cache of a running server."
            )
        if not status["reachable"]:
            raise SystemExit(1)
