"""A refused request is logged as one warning line, without a traceback (make run's output stays readable)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Organization, Role


def test_a_403_is_one_warning_without_a_traceback(
        org: Organization, client_for: Callable[[Organization, str], Client], caplog: pytest.LogCaptureFixture) -> None:
    technician = client_for(org, Role.TECHNICIAN)
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert technician.post("/settings/integrations/quickbooks/disconnect/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert records[0].getMessage().startswith("Forbidden")
    assert records[0].exc_info is None
    handler = logging.StreamHandler()
    assert "Traceback" not in handler.format(records[0])


def _handlers_reached(name: str) -> list[logging.Handler]:
    """The handlers a record logged on `name` goes to (pytest's own capture handlers left out)."""
    logger: logging.Logger | None = logging.getLogger(name)
    reached: list[logging.Handler] = []
    while logger is not None:
        reached += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
        if not logger.propagate:
            break
        logger = logger.parent
    return reached


def test_each_request_line_is_printed_once() -> None:
    """Django's default config gave the "django" logger its own console handler on top of the root's, so a
    403's line showed twice in `make run`; runserver's access lines keep their own format, once."""
    root = _handlers_reached("root")
    assert len(root) == 1
    assert _handlers_reached("django.request") == root
    server = _handlers_reached("django.server")
    assert len(server) == 1 and server[0].formatter is not None
    assert server[0].formatter.__class__.__name__ == "ServerFormatter"
