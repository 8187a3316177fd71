"""Typed reads of environment variables.

Every reader fails at start-up with an ImproperlyConfigured error that names the variable and says
what a good value looks like, so a typo in `.env` never turns into a confusing runtime failure.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if not value:
        return value
    scheme = urlparse(value).scheme
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name}={value!r} must be a URL starting with one of: {', '.join(s + '://' for s in schemes)}."
        )
    return value


# Every secret-looking value that appears anywhere in this repository (settings' development defaults,
# .env.example, docker-compose.yml, the Dockerfile, the simulator, tests). Anyone with the source has
# them, so a production process must never run on one: a `pg_dump` of a default install would decrypt
# with two of them. tests/core/test_settings_secrets.py scans the repository and fails on a new one
# missing here.
REPOSITORY_SECRETS = frozenset({
    "dev-only-insecure-key-change-me",
    "dev-only-token-key",
    "change-me-to-a-long-random-string",
    "change-me-to-another-long-random-string",
    "change-me-too",
    "build-only",
    "sim-verifier-token",
    "sim-client-secret",
    "not-the-app-token",
    "x" * 50,
})
# Words that mark a value as a placeholder someone forgot to replace.
_PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "replace-me", "placeholder", "dev-only", "insecure",
                      "example", "your-", "xxxx", "todo", "secret-key")


def secret_problem(value: str, *, min_length: int) -> str | None:
    """Why `value` may not guard production data, or None when it may."""
    if not value:
        return "is empty"
    lowered = value.strip().lower()
    if value in REPOSITORY_SECRETS or lowered in REPOSITORY_SECRETS:
        return "is a value published in this repository"
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return "is a placeholder"
    if len(value) < min_length:
        return f"is shorter than {min_length} characters"
    if len(set(value)) < 8:
        return "repeats too few distinct characters"
    return None


_SECRET_HINT = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def env_secret(name: str, *, dev_default: str, debug: bool, min_length: int = 32) -> str:
    """A secret. With DEBUG on, a missing one falls back to the development default; with DEBUG off a
    missing, placeholder, repository-known or short value stops start-up naming the variable."""
    value = os.environ.get(name, "").strip()
    if debug:
        return value or dev_default
    problem = secret_problem(value, min_length=min_length)
    if problem:
        raise ImproperlyConfigured(f"{name} {problem}; set a secret of your own when DJANGO_DEBUG is off ({_SECRET_HINT}).")
    return value


def env_secret_list(name: str, *, dev_default: list[str], debug: bool, min_length: int = 32) -> list[str]:
    """A comma-separated list of keys, newest first: the first one encrypts and is checked as env_secret
    checks one. Later ones only decrypt, so an old (even published) key may stay there while
    `manage.py qbo_rotate_token_keys` moves every row onto the first one."""
    values = env_list(name, [])
    if debug:
        return values or dev_default
    problem = secret_problem(values[0] if values else "", min_length=min_length)
    if problem:
        raise ImproperlyConfigured(f"{name}: the first key {problem}; set a secret of your own when DJANGO_DEBUG "
                                   f"is off ({_SECRET_HINT}).")
    return values
