"""Bad environment values stop start-up with an error that names the variable."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

SETUP = "import django; django.setup(); print('SETUP-OK')"
# Dropped from the inherited environment so a developer's shell (or CI's PostgreSQL leg) cannot leak in.
OURS = ("DJANGO_", "FSM_", "CELERY_", "QBO_", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS")
# Production secrets of our own, made afresh for each run (a value written here would be published).
PROD = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "QBO_ENVIRONMENT": "sandbox",
        "FIELD_ENCRYPTION_KEYS": secrets.token_urlsafe(50), "QBO_CLIENT_ID": "cid", "QBO_CLIENT_SECRET": "csecret",
        "QBO_WEBHOOK_VERIFIER_TOKEN": secrets.token_urlsafe(24)}


def setup_with(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    # Development mode unless a case says otherwise, so each case meets the check it is about.
    env.update(DJANGO_SETTINGS_MODULE="fsm.settings", FSM_VAR_DIR=str(tmp_path), DJANGO_DEBUG="1")
    env.update(overrides)
    return subprocess.run([sys.executable, "-c", SETUP], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_good_environment_starts(tmp_path: Path) -> None:
    result = setup_with(tmp_path, **{**PROD, "FIELD_ENCRYPTION_KEYS": PROD["FIELD_ENCRYPTION_KEYS"] + ",k0"},
                         FSM_OVERDUE_SWEEP_SECONDS="60",
                         CELERY_BROKER_URL="redis://127.0.0.1:6379/15", DATABASE_URL="postgres://u@h:5432/db")
    assert result.returncode == 0, result.stderr
    assert "SETUP-OK" in result.stdout


@pytest.mark.parametrize(("overrides", "named"), [
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
    ({"CELERY_BROKER_URL": "ftp://x"}, "CELERY_BROKER_URL"),
    ({"FSM_OVERDUE_SWEEP_SECONDS": "abc"}, "FSM_OVERDUE_SWEEP_SECONDS"),
    ({"FSM_OVERDUE_SWEEP_SECONDS": "1"}, "FSM_OVERDUE_SWEEP_SECONDS"),
    ({"DJANGO_DEBUG": "0"}, "DJANGO_SECRET_KEY"),
    ({**PROD, "FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
    ({"QBO_ENVIRONMENT": "staging"}, "QBO_ENVIRONMENT"),
    ({"FSM_LOG_LEVEL": "loud"}, "FSM_LOG_LEVEL"),
    ({"CELERY_TASK_ALWAYS_EAGER": "sometimes"}, "CELERY_TASK_ALWAYS_EAGER"),
], ids=lambda value: next(iter(value.items()))[1] if isinstance(value, dict) else None)
def test_bad_value_stops_start_up_naming_the_variable(tmp_path: Path, overrides: dict[str, str], named: str) -> None:
    result = setup_with(tmp_path, **overrides)
    assert result.returncode != 0
    assert "SETUP-OK" not in result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    assert named in last_line


def test_env_example_lists_every_variable_settings_read() -> None:
    source = (settings.BASE_DIR / "fsm" / "settings.py").read_text()
    read = set(re.findall(r'env_[a-z_]+\(\s*"([A-Z0-9_]+)"', source))
    listed = set(re.findall(r"^#? ?([A-Z0-9_]+)=", (settings.BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    assert len(read) > 10  # the pattern still matches how settings read the environment
    assert sorted(read - listed) == []
