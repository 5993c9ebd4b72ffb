from django.core.management.base import BaseCommand, CommandError

from sunat import caching
from sunat.lookups import ruc_cache
from sunat.validators import InvalidRuc, validate_ruc

LOCMEM_NOTE = (
    "Nota: la caché es LocMem, que vive dentro de cada proceso. Este comando corre en su propio "
    "proceso y no alcanza la caché de un servidor en marcha; reinicie los workers o use la acción "
    "del admin 'Quitar de la caché' (llega al worker que la atiende)."
)


class Command(BaseCommand):
    help = "Quita de la caché los RUC indicados, o todas las entradas sunat:ruc:* (nada más)."

    def add_arguments(self, parser):
        parser.add_argument("rucs", nargs="*", metavar="RUC", help="RUC a quitar; sin ninguno, todos")

    def handle(self, *args, rucs, **options):
        try:
            rucs = [validate_ruc(ruc) for ruc in rucs]
        except InvalidRuc as exc:
            raise CommandError(str(exc)) from exc
        # With Redis out, the circuit breaker answers from this process's memory: clearing that
        # would report success and leave Redis as it was.
        if not caching.probe() or caching.circuit_open():
            raise CommandError(f"La caché ({caching.backend_name()}) no responde; no se quitó nada.")
        removed = ruc_cache.evict(rucs) if rucs else ruc_cache.evict_all()
        scope = f"{len(rucs)} RUC indicado(s)" if rucs else "todas las entradas sunat:ruc:*"
        self.stdout.write(f"Se quitaron {removed} entradas de la caché {caching.backend_name()} ({scope}).")
        if not caching.uses_redis():
            self.stdout.write(LOCMEM_NOTE)
