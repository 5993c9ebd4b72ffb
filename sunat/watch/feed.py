"""A key's feed of changes (GET /api/cambios): its notices in order, after a cursor."""

from sunat.models import Notification

MAX_PAGE = 500


def changes_after(key_id: int, cursor: int, limit: int) -> tuple[list[dict], int, bool]:
    """The key's events after `cursor` (a notice id, 0 for the first), oldest first: (bodies, the
    cursor to ask from next, whether more follow). Each body carries its own "cursor"."""
    notices = list(Notification.objects.filter(key_id=key_id, id__gt=cursor).select_related("event")
                   .order_by("id")[:limit + 1])
    page = notices[:limit]
    bodies = [{**notice.event.as_body(), "cursor": str(notice.pk)} for notice in page]
    return bodies, page[-1].pk if page else cursor, len(notices) > limit
