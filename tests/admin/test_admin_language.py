"""The admin in Spanish throughout: the pages django-axes and django-q2 add, whose words come from
locale/es (neither library ships Spanish), and that compiled catalogue agrees with its source."""

import gettext
import re

import pytest
from django.urls import reverse

from devtools.servers import PROJECT_ROOT

CATALOGUE = PROJECT_ROOT / "locale" / "es" / "LC_MESSAGES"


def source_entries() -> dict[str, str]:
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    unquote = lambda value: value.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")  # noqa: E731
    return {unquote(a): unquote(b) for a, b in re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M)}


def test_the_compiled_catalogue_is_the_source_s():
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    entries = source_entries()
    assert len(entries) > 80
    assert {msgid: translations.gettext(msgid) for msgid in entries} == entries


@pytest.mark.django_db
@pytest.mark.parametrize("page, expected, english", [
    ("admin:index", ["Bloqueos de acceso al admin", "Intentos de acceso", "Tareas fallidas", "Tareas en cola",
                     "Tareas programadas"], ["Access attempts", "Failed tasks", "Queued tasks", "Scheduled tasks"]),
    ("admin:axes_accessattempt_changelist", ["intento de acceso", "Hora del intento"], ["access attempt", "Attempt Time"]),
    ("admin:django_q_schedule_changelist", ["Tareas programadas"], ["Scheduled task"]),
    ("admin:django_q_failure_changelist", ["Tareas fallidas"], ["Failed task"]),
])
def test_the_third_party_admin_pages_speak_spanish(admin_client, page, expected, english):
    content = admin_client.get(reverse(page)).content.decode()
    for words in expected:
        assert words in content, words
    for words in english:
        assert words not in content, words
