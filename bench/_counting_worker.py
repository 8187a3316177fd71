"""`celery worker`, counting the database queries its processes send (bench only, never in the app).

Each process counts the statements its Django connections execute and adds the count to a Redis key
(BENCH_QUERY_COUNTER, in the bench's own Redis db) after every task, so the bench can divide by the
objects pushed.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import redis
from celery.__main__ import main as celery_main
from celery.signals import task_postrun
from django.db.backends import utils

_count = [0]
_lock = threading.Lock()  # the threads pool shares one counter
_real_execute, _real_executemany = utils.CursorWrapper.execute, utils.CursorWrapper.executemany


# Any: the arguments pass through unchanged to the wrapped CursorWrapper method.
def _execute(self: utils.CursorWrapper, *args: Any, **kwargs: Any) -> Any:
    with _lock:
        _count[0] += 1
    return _real_execute(self, *args, **kwargs)


def _executemany(self: utils.CursorWrapper, *args: Any, **kwargs: Any) -> Any:
    with _lock:
        _count[0] += 1
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


if __name__ == "__main__":
    sys.argv[0] = "celery"
    sys.exit(celery_main())
