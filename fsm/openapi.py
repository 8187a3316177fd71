"""The OpenAPI schema's error responses, added in one place for every operation.

drf-spectacular documents the success response of each view; the errors the API really answers come
from shared code (authentication, the organization/capability check, validation, object lookup,
pagination, throttling), so they are derived here from what each operation has, not copied per view:

- 400 when it takes a body or query parameters, or writes (DELETE of a row in use, a refused transition);
- 401 and 403 when it needs a signed-in user (401 without valid credentials, 403 for a role, an
  organization the caller is not a member of, or a missing CSRF token with session auth);
- 404 when it has a path parameter (no such row in the organization) or pages (a page past the end);
- 415 when it takes a body (the API parses JSON only);
- 429 when the view has a throttle.
A code a view documents itself (409, 202 …) is kept as it is. A view that answers an error outside
DRF's machinery names it in `error_responses` ({"429": "why"}), and it is documented with the same body. Optional query parameters are marked
`allowEmptyValue`: every filter treats `?name=` as not given (HTML forms send empty fields).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in plain words.")


# Field errors ({"display_name": ["…"]}, nested for lines) or {"detail": "…"} for a refused action.
VALIDATION_ERROR: dict[str, Any] = {
    "type": "object", "additionalProperties": {},
    "description": "Each field's problems as a list of messages (nested for invoice lines), or `detail`.",
}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class FsmAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for param in operation.get("parameters", []):
            if param.get("in") == "query" and not param.get("required"):
                param["allowEmptyValue"] = True
        responses = operation.setdefault("responses", {})
        for code, (body, description) in self._error_responses(operation).items():
            if code not in responses:
                responses[code] = {**self._get_response_for_code(body, code), "description": description}
        return operation

    def _error_responses(self, operation: dict[str, Any]) -> dict[str, tuple[Any, str]]:
        where = {param.get("in") for param in operation.get("parameters", [])}
        names = {param.get("name") for param in operation.get("parameters", [])}
        errors: dict[str, tuple[Any, str]] = {}
        if "requestBody" in operation or "query" in where or self.method in _WRITES:
            errors["400"] = (VALIDATION_ERROR, "The input is not valid, or the action is refused in this state.")
        if any(isinstance(permission, IsAuthenticated) for permission in self.view.get_permissions()):
            errors["401"] = (ErrorSerializer, "No valid credentials: send `Authorization: Token <key>`.")
            errors["403"] = (ErrorSerializer, ("Signed in, but not allowed: the role lacks the capability, or "
                                              "the caller is not a member of the organization asked for."))
        if "path" in where or "page" in names:
            errors["404"] = (ErrorSerializer, "No such object in this organization, or no such page.")
        if "requestBody" in operation:
            errors["415"] = (ErrorSerializer, "The body is not JSON (`Content-Type: application/json`).")
        if self.view.get_throttles():
            errors["429"] = (ErrorSerializer, "Too many requests; `Retry-After` says when to try again.")
        for code, description in getattr(self.view, "error_responses", {}).items():
            errors[str(code)] = (ErrorSerializer, description)
        return errors
