"""Tiny request/response types shared by the HTTP server and the route handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from . import errors

JSON_TYPE = errors.JSON_TYPE


class Headers(dict[str, str]):
    """Request headers with lower-case keys; ``get`` is case-insensitive."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes = b""
    client: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError) as exc:
            raise errors.bad_request_body(f"Request body is not valid JSON: {exc}") from exc

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def header(self, name: str, default: str = "") -> str:
        value = self.headers.get(name)
        return default if value is None else str(value)

    def bearer(self) -> str | None:
        auth = self.header("Authorization")
        if auth[:7].lower() != "bearer ":
            return None
        return auth[7:].strip() or None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    action: str | None = None   # "drop": close the connection without answering


def json_response(obj: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(obj).encode())


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode(), "text/html; charset=utf-8")


def redirect(url: str) -> Response:
    return Response(302, b"", "text/plain", [("Location", url)])


def from_error(exc: errors.ApiError) -> Response:
    return Response(exc.status, exc.body, exc.content_type)
