from django.core.management.base import BaseCommand, CommandError

from sunat.lookups import cache as ruc_cache
from sunat import caching
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
        if not caching.probe():
            raise CommandError(f"The cache ({caching.backend_name()}) does not answer.")
        removed = ruc_cache.evict(rucs) if rucs else ruc_cache.evict_all()
        scope = f"{len(rucs)} given RUC(s)" if rucs else "every sunat:ruc:* entry"
        self.stdout.write(f"Removed {removed} entries from the {caching.backend_name()} cache ({scope}).")
        if not caching.uses_redis():
            self.stdout.write(LOCMEM_NOTE)
