"""`celery worker`, counting the database queries its processes send (bench only, never in the app).

Each process counts the statements its Django connections execute and adds the count to a Redis key
(BENCH_QUERY_COUNTER, in the bench's own Redis db) after every task, so the bench can divide by the
objects pushed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import redis
from celery.__main__ import main as celery_main
from celery.signals import task_postrun
from django.db.backends import utils

_count = [0]
_lock = threading.Lock()  # the threads pool shares one counter
_real_execute, _real_executemany = utils.CursorWrapper.execute, utils.CursorWrapper.executemany


# BENCH_QUERY_SITES (a directory): also count each statement under the innermost project function that
# sent it, written to <dir>/<pid>.json after every task, to see where a figure comes from.
_SITES_DIR = os.environ.get("BENCH_QUERY_SITES", "")
_ROOT = Path(__file__).resolve().parent.parent
_OWN = tuple(f"{_ROOT}/{app}/" for app in ("integrations", "invoicing", "customers", "accounts"))
_sites: Counter[str] = Counter()


def _site() -> str:
    for frame in reversed(traceback.extract_stack()):
        if frame.filename.startswith(_OWN):
            return f"{frame.filename.removeprefix(str(_ROOT) + '/')}:{frame.name}"
    return "other"


def _counted() -> None:
    with _lock:
        _count[0] += 1
        if _SITES_DIR:
            _sites[_site()] += 1


# Any: the arguments pass through unchanged to the wrapped CursorWrapper method.
def _execute(self: utils.CursorWrapper, *args: Any, **kwargs: Any) -> Any:
    _counted()
    return _real_execute(self, *args, **kwargs)


def _executemany(self: utils.CursorWrapper, *args: Any, **kwargs: Any) -> Any:
    _counted()
    return _real_executemany(self, *args, **kwargs)


# mypy refuses assigning to a method; wrapping it is the point (bench only).
utils.CursorWrapper.execute = _execute  # type: ignore[method-assign]
utils.CursorWrapper.executemany = _executemany  # type: ignore[method-assign]
_redis = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])


@task_postrun.connect
def _flush(**_: object) -> None:
    with _lock:
        count, _count[0] = _count[0], 0
    if count:
        _redis.incrby(os.environ["BENCH_QUERY_COUNTER"], count)
    if _SITES_DIR:
        with _lock:
            sites = dict(_sites)
        (Path(_SITES_DIR) / f"{os.getpid()}.json").write_text(json.dumps(sites))


if __name__ == "__main__":
    sys.argv[0] = "celery"
    sys.exit(celery_main())
