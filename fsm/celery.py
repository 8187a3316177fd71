"""The Celery application. Settings come from Django's (CELERY_* names; see fsm/settings.py)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fsm.settings")

app = Celery("fsm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
