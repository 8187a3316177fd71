"""The API docs page: Swagger UI from the installed sidecar, started by a script file (the split view)
because the CSP allows no inline script."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from fsm.middleware import content_security_policy


class ApiDocsView(SpectacularSwaggerSplitView):
    @extend_schema(exclude=True)  # the docs page is not an API operation (as on the base view)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        # Swagger UI adds a <style> element of its own at run time; scripts stay 'self' only.
        response["Content-Security-Policy"] = content_security_policy(style_elements=True)
        return response
