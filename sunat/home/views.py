from django.conf import settings
from django.shortcuts import render

from sunat.responses import require_get
from sunat.upstream.sections import SECTIONS

EXAMPLE_RUC = "20131312955"  # SUNAT's own RUC: every deployment can answer it


@require_get
def home(request):
    """Shown without a key: the lookup box sends the key the visitor types, as any client would."""
    return render(request, "sunat/home.html", {
        "example_ruc": EXAMPLE_RUC,
        "sections": [{"name": name, "title": section.title} for name, section in SECTIONS.items()],
        "keys_required": settings.API_KEYS_REQUIRED,
    })
