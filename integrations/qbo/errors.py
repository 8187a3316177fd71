"""Typed QBO failures. Every HTTP or library failure is turned into exactly one of these, in one place.

python-quickbooks hides the HTTP status and raises its base exception for 5010/6140/6240, a JSON 429
as ValidationException(3001) and an XML 429 as code 10000; so we classify by status + fault code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict, Unpack


@dataclass
class CallInfo:
    """What we saw of the last HTTP exchange (python-quickbooks exposes none of it)."""

    method: str = ""
    url: str = ""
    http_status: int | None = None
    intuit_tid: str = ""
    duration_ms: int = 0


class QboErrorFields(TypedDict, total=False):
    """The keyword arguments every QboError takes, for subclasses that pass them on."""

    code: str
    detail: str
    call: CallInfo | None


class QboError(Exception):
    kind = "error"

    def __init__(self, message: str, *, code: str = "", detail: str = "", call: CallInfo | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail
        self.call = call or CallInfo()

    @property
    def http_status(self) -> int | None:
        return self.call.http_status


class QboAuthError(QboError):
    """401 / 3200: the access token is expired or revoked (refresh once, then reauthorize)."""

    kind = "auth"


class QboReauthorizationRequired(QboError):
    """The refresh token is dead (invalid_grant): a person must reconnect."""

    kind = "reauth"


class QboThrottled(QboError):
    """429 / 3001 ThrottleExceeded."""

    kind = "throttled"


class QboTransient(QboError):
    """5xx, timeout, connection reset. For writes the outcome is unknown: look up before re-creating."""

    kind = "transient"

    def __init__(self, message: str, *, outcome_unknown: bool = False, **kw: Unpack[QboErrorFields]) -> None:
        super().__init__(message, **kw)
        self.outcome_unknown = outcome_unknown


class QboValidation(QboError):
    """400 ValidationFault: permanent until someone changes the data."""

    kind = "validation"


class QboRefusedHere(QboValidation):
    """Refused by our own check of what this company accepts, before any request was sent (an unmapped tax
    code, two US tax codes on one invoice, a discount in a company without discounts). Permanent like a
    ValidationFault, but no QuickBooks answer exists to quote: the person gets our words and what to do."""

    def __init__(self, message: str, *, hint: str, code: str = "refused_here", detail: str = "",
                 call: CallInfo | None = None) -> None:
        super().__init__(message, code=code, detail=detail, call=call)
        self.hint = hint


class QboStale(QboValidation):
    """5010 Stale Object Error: our SyncToken is old."""

    kind = "stale"


class QboDuplicateName(QboValidation):
    """6240 Duplicate Name Exists (customers, vendors and employees share one namespace)."""

    kind = "duplicate_name"


class QboNotFound(QboError):
    """610 Object Not Found, or an entity deleted in QBO."""

    kind = "not_found"


def classify(*, http_status: int | None, code: int | str | None, message: str, detail: str = "",
             call: CallInfo | None = None, write: bool = False) -> QboError:
    code_str = str(code or "")
    kw: QboErrorFields = {"code": code_str, "detail": detail, "call": call}
    if http_status == 401 or code_str in {"3200", "100", "401"}:
        return QboAuthError(message, **kw)
    if http_status == 429 or code_str == "3001" or "ThrottleExceeded" in (message + detail):
        return QboThrottled(message, **kw)
    if http_status == 403 or code_str == "3100":
        # ApplicationAuthorizationFailed: missing scope or wrong environment; a refresh cannot fix it.
        return QboReauthorizationRequired(message, **kw)
    if code_str == "5010":
        return QboStale(message, **kw)
    if code_str == "6240":
        return QboDuplicateName(message, **kw)
    if code_str == "610":
        return QboNotFound(message, **kw)
    if (http_status is not None and http_status >= 500) or code_str == "10000":
        return QboTransient(message, outcome_unknown=write, **kw)
    return QboValidation(message, **kw)


class QboDependencyPending(QboError):
    """A record this one needs (its customer, an item) is being pushed by another worker, or waits for
    its own retry; `retry_at` says when to look again."""

    kind = "dependency"

    def __init__(self, message: str, *, retry_at: datetime | None = None, **kw: Unpack[QboErrorFields]) -> None:
        super().__init__(message, **kw)
        self.retry_at = retry_at


def with_reference(text: str, intuit_tid: str | None) -> str:
    """A message for a person: plain language, then QuickBooks' request id when there is one. Intuit's
    support asks for `intuit_tid`, and Intuit's app review wants it shown with every error."""
    return f"{text} QuickBooks reference (intuit_tid): {intuit_tid}." if intuit_tid else text
