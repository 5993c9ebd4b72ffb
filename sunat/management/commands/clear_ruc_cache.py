from django.core.management.base import BaseCommand, CommandError

from sunat import cache as ruc_cache
from sunat.validators import InvalidRuc, validate_ruc

LOCMEM_NOTE = (
    "Note: the cache is LocMem, which lives inside each process. This command runs in its own "
    "process, so it cannot reach the cache of a running server; restart the workers, or use the "
    "admin action 'Quitar de la caché' (it reaches the worker that serves it)."
)


class Command(BaseCommand):
    help = "Remove the given RUCs, or every sunat:ruc:* entry, from the cache (nothing else)."

    def add_arguments(self, parser):
        parser.add_argument("rucs", nargs="*", metavar="RUC")

    def handle(self, *args, rucs, **options):
        try:
            rucs = [validate_ruc(ruc) for ruc in rucs]
        except InvalidRuc as exc:
            raise CommandError(str(exc)) from exc
        if not ruc_cache.probe():
            raise CommandError(f"The cache ({ruc_cache.backend_name()}) does not answer.")
        removed = ruc_cache.evict(rucs) if rucs else ruc_cache.evict_all()
        scope = f"{len(rucs)} given RUC(s)" if rucs else "every sunat:ruc:* entry"
        self.stdout.write(f"Removed {removed} entries from the {ruc_cache.backend_name()} cache ({scope}).")
        if not ruc_cache.uses_redis():
            self.stdout.write(LOCMEM_NOTE)
