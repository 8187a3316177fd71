"""Django's model backend behind the sign-in throttle (accounts/throttle.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.throttle import signin_failure_record, signin_failures_clear, signin_locked_until

LOCKED_ATTR = "signin_locked_until"  # set on the request when a lockout refused the attempt


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        locked = signin_locked_until(username=username)
        if locked is not None:
            if request is not None:
                setattr(request, LOCKED_ATTR, locked)
            # PermissionDenied makes django.contrib.auth.authenticate() stop here and answer None.
            raise PermissionDenied("Too many failed sign-ins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            signin_failure_record(username=username)
        else:
            signin_failures_clear(username=username)
        return user
