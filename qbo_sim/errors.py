"""QBO fault envelopes. Every ``code`` is a string: python-quickbooks does ``int(code)`` and
crashes with ``TypeError`` when it is missing (reference §4.3)."""

from __future__ import annotations

import json
from typing import Any

from . import clock

JSON_TYPE = "application/json;charset=UTF-8"


class ApiError(Exception):
    """Raised anywhere in request handling; the server renders it as the HTTP answer."""

    def __init__(self, status: int, body: dict[str, Any] | bytes, content_type: str = JSON_TYPE) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.content_type = content_type
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()

    @property
    def payload(self) -> dict[str, Any]:
        # Read by batch and upload for per-item faults, which are always fault_body JSON objects.
        body: dict[str, Any] = json.loads(self.body)
        return body


def fault_body(code: str, message: str, detail: str | None = None, element: str | None = "",
               type_: str = "ValidationFault") -> dict[str, Any]:
    err: dict[str, Any] = {"Message": message, "code": str(code)}
    if detail is not None:
        err["Detail"] = detail
    if element is not None:
        err["element"] = element
    return {"Fault": {"Error": [err], "type": type_}, "time": clock.iso_ms(clock.now())}


def validation(code: str, message: str, detail: str | None = None, element: str = "") -> ApiError:
    return ApiError(400, fault_body(code, message, detail, element))


def required(param: str) -> ApiError:
    return validation("2020", "Required param missing, need to supply the required value for the API",
                      f"Required parameter {param} is missing in the request", param)


def stale(entity: str, sent: str, current: str) -> ApiError:
    return validation("5010", "Stale Object Error",
                      f"Stale Object Error : You and another user were working on the same thing "
                      f"({entity}). The other user finished first, so your changes were not saved. "
                      f"Sent SyncToken {sent}, current is {current}.")


def not_found(entity: str, ident: str) -> ApiError:
    return validation("610", "Object Not Found",
                      "Object Not Found : Something you're trying to use has been made inactive. "
                      f"Check the fields with accounts, customers, items, vendors or employees. "
                      f"({entity} {ident})")


def invalid_ref(entity: str, ident: str, element: str) -> ApiError:
    return validation("2500", "Invalid Reference Id",
                      f"Invalid Reference Id : {entity} assigned to this transaction has been deleted "
                      f"or does not exist: {entity} {ident}", element)


def duplicate_name(what: str) -> ApiError:
    return validation("6240", "Duplicate Name Exists Error",
                      f"The name supplied already exists. : Another {what} is already using this "
                      "name. Please use a different name.")


def bad_string(field: str) -> ApiError:
    return validation("2040", "Invalid String",
                      f"Invalid string: {field} cannot contain a colon (:), tab or newline", field)


def too_long(field: str, max_len: int, got: int) -> ApiError:
    return validation("2050", "String length is either shorter or longer than supported by specification",
                      f"String length specified does not match the supported length. Min:0 "
                      f"Max:{max_len} supplied length:{got}", field)


def business(detail: str, element: str = "") -> ApiError:
    return validation("6000", "A business validation error has occurred while processing your request",
                      f"Business Validation Error: {detail}", element)


def unsupported(detail: str) -> ApiError:
    return validation("500", "Unsupported Operation", detail)


def bad_request_body(detail: str) -> ApiError:
    # QBO answers unparseable JSON with 2010 "Request has invalid or unsupported property".
    return validation("2010", "Request has invalid or unsupported property", detail)


def query_parse(detail: str) -> ApiError:
    return validation("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail: str) -> ApiError:
    # QBO: a query that parses but names what it cannot run (unknown entity or property).
    return validation("4001", "Invalid query", f"QueryValidationError: {detail}")


def _lower_envelope(message: str, detail: str | None, code: str, type_: str) -> dict[str, Any]:
    # QBO: 401/403 come from the gateway in a different, lower-case envelope (pqb#118).
    return {"warnings": None, "intuitObject": None,
            "fault": {"error": [{"message": message, "detail": detail, "code": code, "element": None}],
                      "type": type_},
            "report": None, "queryResponse": None, "batchItemResponse": [], "attachableResponse": [],
            "syncErrorResponse": None, "requestId": None, "time": int(clock.now() * 1000),
            "status": None, "cdcresponse": []}


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, _lower_envelope("message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                         detail, "3200", "AUTHENTICATION"))


def forbidden(detail: str | None = None) -> ApiError:
    return ApiError(403, _lower_envelope(
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", detail, "3100", "SERVICE"))


def throttled(xml: bool = False) -> ApiError:
    if xml:  # QBO has answered 429 in XML even when JSON was asked for (pqb#43, qr#338).
        body = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse '
                f'xmlns="http://schema.intuit.com/finance/v3" time="{clock.iso_ms(clock.now())}">'
                '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; '
                'errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  '
                'Try again later</Detail></Error></Fault></IntuitResponse>')
        return ApiError(429, body.encode(), "application/xml")
    return ApiError(429, fault_body("3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                                    "The request limit was reached.  Try again later", None, "SERVICE"))


def system_error(status: int = 500, detail: str = "System Failure Error: simulated outage") -> ApiError:
    return ApiError(status, fault_body(
        "10000", "An application error has occurred while processing your request", detail, None,
        "SystemFault"))
