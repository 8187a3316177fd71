"""The dev inbox: what the dev SMTP server caught, for staff, only when FSM_DEV_INBOX=1 (`make run`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from devinbox.mailbox import attachment_get, message_get, messages_list

View = Callable[..., HttpResponse]


def _dev_staff_only(view: View) -> View:
    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not settings.FSM_DEV_INBOX:
            raise Http404("The dev inbox is off (FSM_DEV_INBOX).")
        if not request.user.is_staff:
            raise PermissionDenied("The dev inbox shows every organization's mail: staff only.")
        return view(request, *args, **kwargs)

    return wrapped


@_dev_staff_only
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "devinbox/inbox.html", {"messages_caught": messages_list(settings.DEV_MAIL_DIR),
                                                   "directory": settings.DEV_MAIL_DIR})


@_dev_staff_only
def message_detail(request: HttpRequest, name: str) -> HttpResponse:
    message = message_get(settings.DEV_MAIL_DIR, name)
    if message is None:
        raise Http404("No such message.")
    return render(request, "devinbox/message.html", {"message": message})


@_dev_staff_only
@xframe_options_sameorigin
def message_html(request: HttpRequest, name: str) -> HttpResponse:
    """The HTML body on its own, for the message page's sandboxed iframe (scripts in it cannot run)."""
    message = message_get(settings.DEV_MAIL_DIR, name)
    if message is None:
        raise Http404("No such message.")
    response = HttpResponse(message.html or "<p>(no HTML body)</p>")
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return response


@_dev_staff_only
def attachment(request: HttpRequest, name: str, index: int) -> HttpResponse:
    found = attachment_get(settings.DEV_MAIL_DIR, name, index)
    if found is None:
        raise Http404("No such attachment.")
    meta, data = found
    response = HttpResponse(data, content_type=meta.content_type)
    response["Content-Disposition"] = f'attachment; filename="{meta.filename}"'
    return response
