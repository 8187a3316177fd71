"""Safe by default: DEBUG is off unless asked for, production refuses published or placeholder secrets,
`check --deploy` is clean with .env.example's production values, and every response carries the
security headers."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, Role
from fsm.env import env_secret, env_secret_list
from tests.core.test_settings_env import OURS, PROD, setup_with

ROOT = Path(settings.BASE_DIR)
SECRET_VARS = ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "QBO_WEBHOOK_VERIFIER_TOKEN")
# Where a secret value can be written down in this repository: NAME=value (env files, compose, Docker,
# shell), development defaults in settings, the simulator's and tests' verifier tokens.
_PUBLISHED = [
    re.compile(r"\b(?:" + "|".join(SECRET_VARS) + r")=([^\s\"'\\,]+)"),
    re.compile(r"\bdev_default=\[?\"([^\"]+)\""),
    re.compile(r"\bverifier_token(?::\s*str)?\s*=\s*\"([^\"]+)\""),
]


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"^[A-Z][A-Z0-9_]*=", line))


def _published_secrets() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.glob("*.example"), *ROOT.glob("*.yml"), ROOT / "Dockerfile", ROOT / "Makefile",
                 *ROOT.glob("[a-z]*/**/*.py")]:
        if ".venv" in path.parts or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for pattern in _PUBLISHED:
            found.update(value for value in pattern.findall(text) if value and not value.startswith("$"))
    return found


def test_debug_is_off_by_default_so_a_bare_start_refuses(tmp_path: Path) -> None:
    # No DJANGO_* at all: production mode, and no secret to run on.
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    env.update(DJANGO_SETTINGS_MODULE="fsm.settings", FSM_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); print('SETUP-OK')"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0 and "SETUP-OK" not in result.stdout
    assert "DJANGO_SECRET_KEY is empty" in result.stderr.strip().splitlines()[-1], result.stderr


@pytest.mark.parametrize("name", SECRET_VARS)
@pytest.mark.parametrize("value", sorted(_published_secrets() | {
    # What .env.example shipped before: a `pg_dump` of a default install decrypted with these two.
    "change-me-to-a-long-random-string", "change-me-to-another-long-random-string"}))
def test_every_secret_written_in_the_repository_is_refused(name: str, value: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        env_secret(name, dev_default="", debug=False)
    with pytest.raises(ImproperlyConfigured, match=name):
        env_secret_list(name, dev_default=[], debug=False)


def test_the_scan_finds_the_development_defaults() -> None:
    assert {"dev-only-insecure-key-change-me", "dev-only-token-key", "sim-verifier-token"} <= _published_secrets()


@pytest.mark.parametrize(("name", "value"), [
    ("DJANGO_SECRET_KEY", "change-me-to-a-long-random-string"),
    ("FIELD_ENCRYPTION_KEYS", "change-me-to-another-long-random-string"),
    ("FIELD_ENCRYPTION_KEYS", "dev-only-token-key"),
    ("QBO_WEBHOOK_VERIFIER_TOKEN", "sim-verifier-token"),
    ("QBO_WEBHOOK_VERIFIER_TOKEN", ""),
    ("DJANGO_SECRET_KEY", "short-but-random-9f3a"),
])
def test_production_start_refuses_a_known_placeholder_or_missing_secret(tmp_path: Path, name: str,
                                                                       value: str) -> None:
    result = setup_with(tmp_path, **{**PROD, name: value})
    assert result.returncode != 0 and "SETUP-OK" not in result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured:") and name in last, result.stderr


def test_env_example_as_copied_refuses_to_start(tmp_path: Path) -> None:
    # `cp .env.example .env; docker compose up` without setting the secrets must not start.
    result = setup_with(tmp_path, **_env_example())
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is empty" in result.stderr.strip().splitlines()[-1], result.stderr


def test_simulator_is_refused_in_production(tmp_path: Path) -> None:
    result = setup_with(tmp_path, **{**PROD, "QBO_ENVIRONMENT": "simulator"})
    assert "QBO_ENVIRONMENT=simulator is for development" in result.stderr


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    values = {k: v for k, v in _env_example().items() if not k.startswith("POSTGRES_")}
    for name in (*SECRET_VARS, "QBO_CLIENT_ID", "QBO_CLIENT_SECRET"):
        values[name] = values.get(name) or secrets.token_urlsafe(40)  # what the operator fills in
    env.update(values, DJANGO_SETTINGS_MODULE="fsm.settings", FSM_VAR_DIR=str(tmp_path))
    return env


def test_check_deploy_is_clean_with_the_production_values_of_env_example(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    assert env["DJANGO_DEBUG"] == "0"
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout

    probe = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({n: getattr(s, n)"
             " for n in ['DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS',"
             " 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY',"
             " 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SAMESITE']}))")
    values = json.loads(subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                                       text=True, timeout=60, check=True).stdout)
    assert values == {"DEBUG": False, "SECURE_SSL_REDIRECT": True,
                      "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
                      "SECURE_HSTS_SECONDS": 31536000, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
                      "SESSION_COOKIE_HTTPONLY": True, "CSRF_COOKIE_HTTPONLY": True,
                      "SESSION_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_SAMESITE": "Lax"}


def _csp(response: HttpResponseBase) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split(None, 1)[1] for part in header.split("; ")}


@pytest.mark.django_db
def test_pages_send_a_strict_csp_and_signed_in_answers_are_not_cached(
        org: Organization, member: Callable[[Organization, str], Membership]) -> None:
    anonymous = Client().get(reverse("login"))
    assert anonymous.status_code == 200
    policy = _csp(anonymous)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy["default-src"]

    owner = member(org, Role.OWNER).user
    page = Client()
    page.force_login(owner)
    dashboard = page.get("/")
    assert dashboard.status_code == 200 and "Content-Security-Policy" in dashboard
    assert "no-store" in dashboard["Cache-Control"] and "private" in dashboard["Cache-Control"]

    api = APIClient()
    api.force_authenticate(owner)
    me = api.get("/api/v1/me/")
    assert me.status_code == 200 and "no-store" in me["Cache-Control"]


def test_templates_have_no_inline_script_or_style_element() -> None:
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"<style[\s>]", text), path
