"""Response headers every page gets: a strict Content-Security-Policy, and no caching of anything a
signed-in person sees (Django 5.2 has no built-in CSP)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Intuit's consent page: pressing Connect posts to our view, which redirects there, and browsers check
# a form submission's redirects against form-action too.
INTUIT_AUTHORIZE_ORIGIN = "https://appcenter.intuit.com"


def _authorize_origin() -> str:
    if settings.QBO_ENVIRONMENT == "simulator":
        parts = urlsplit(settings.QBO_SIM_URL)
        return f"{parts.scheme}://{parts.netloc}"
    return INTUIT_AUTHORIZE_ORIGIN


def content_security_policy(*, style_elements: bool = False) -> str:
    # No inline or eval'd script anywhere (templates load static files only). Style *attributes* are
    # allowed (a few templates size progress bars with them); <style> elements only where a page sets
    # style_elements (the API docs: Swagger UI injects one).
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'" if style_elements else "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        f"form-action 'self' {_authorize_origin()}",
    ])


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's DEBUG error pages are built from inline styles and scripts; leave them readable.
        if not (settings.DEBUG and response.status_code >= 400):
            response.setdefault("Content-Security-Policy", content_security_policy())
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages and API answers of a signed-in person hold their organization's data: a shared or
            # browser cache must not keep them (the back button after sign-out, a proxy).
            patch_cache_control(response, no_store=True, private=True)
        return response
