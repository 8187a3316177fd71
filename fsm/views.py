"""Project-level views: the 500 page, rendered with the support contact (Django's default renders it
with no context at all)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader


def server_error(request: HttpRequest) -> HttpResponse:
    body = loader.get_template("500.html").render({"support_email": settings.FSM_SUPPORT_EMAIL})
    return HttpResponse(body, status=500)
