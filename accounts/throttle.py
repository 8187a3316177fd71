"""Sign-in throttle: FSM_SIGNIN_MAX_FAILURES failed sign-ins for one username within
FSM_SIGNIN_LOCKOUT_SECONDS lock that username out for FSM_SIGNIN_LOCKOUT_SECONDS, the right password
included. The sign-in page and the API token endpoint both authenticate through
accounts.backends.ThrottledModelBackend, so one rule covers both.

Counted in the database (the SignInFailure table), not a cache: the embedded default has no shared
cache between processes, and gunicorn's workers in production would each keep their own count in a
local-memory one. Why not per IP address: behind the proxy every client shares one address unless the
forwarded header is trusted; per username stops password guessing against an account from anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import SignInFailure


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def signin_locked_until(*, username: str) -> datetime | None:
    """When the username's lockout ends, or None when it may try to sign in."""
    until = (SignInFailure.objects.filter(username=_key(username), locked_until__gt=timezone.now())
             .values_list("locked_until", flat=True).first())
    return until


def signin_failure_record(*, username: str) -> SignInFailure:
    now = timezone.now()
    window = timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)
    with transaction.atomic():
        row, _ = SignInFailure.objects.select_for_update().get_or_create(
            username=_key(username), defaults={"first_failed_at": now})
        if row.first_failed_at <= now - window:  # an old streak: start counting again
            row.failures, row.first_failed_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= settings.SIGNIN_MAX_FAILURES:
            row.locked_until = now + window
        row.save()
    # Keep the table small: streaks nobody continued are forgotten.
    SignInFailure.objects.filter(first_failed_at__lte=now - 2 * window, locked_until__isnull=True).delete()
    return row


def signin_failures_clear(*, username: str) -> None:
    SignInFailure.objects.filter(username=_key(username)).delete()
