"""A logging filter that blanks OAuth secrets out of every log line, whoever logs it.

It sits on the root handlers (fsm/settings.py LOGGING), so it also covers third-party loggers that
propagate there: requests_oauthlib logs the token dict, the request headers (`Authorization: Bearer ...`,
`Basic ...` with the client secret) and the refresh request's body at DEBUG; urllib3 logs request lines;
Django's and gunicorn's access logs print the OAuth callback's `?code=...&state=...`.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# Names whose value is a secret wherever it appears: `name=value` (query strings, form bodies),
# `'name': 'value'` (dict reprs) and `"name": "value"` (JSON).
_SECRET_NAMES = ("access_token", "refresh_token", "id_token", "client_secret", "code", "state", "password",
                 "token")
_NAMES = "|".join(_SECRET_NAMES)
_NAMED = re.compile(
    rf"""(?P<name>(?<![A-Za-z0-9_])(?:{_NAMES}))(?P<sep>["']?\s*[:=]\s*["']?)(?P<value>[^"'&\s,;}})\]]+)""",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(r"(?P<scheme>\b(?:Bearer|Basic|Token)\s+)(?P<value>[A-Za-z0-9\-._~+/=]{6,})")


def redact(text: str) -> str:
    text = _AUTH_SCHEME.sub(lambda m: m.group("scheme") + REDACTED, text)
    return _NAMED.sub(lambda m: m.group("name") + m.group("sep") + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Replaces the record's message (arguments merged in) and its traceback text with redacted copies."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: leave it for the handler to report
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
