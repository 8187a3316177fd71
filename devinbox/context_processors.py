from django.conf import settings
from django.http import HttpRequest


def dev_inbox(request: HttpRequest) -> dict[str, bool]:
    """Whether to show the Dev inbox link: `make run` (FSM_DEV_INBOX=1) and a staff user."""
    user = getattr(request, "user", None)
    return {"dev_inbox_link": bool(settings.FSM_DEV_INBOX and user is not None and user.is_staff)}
