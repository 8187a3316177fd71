"""Webhook delivery from a background thread (never blocks API responses).

Payloads in CloudEvents (a JSON array) or the legacy ``eventNotifications`` shape, signed with
``intuit-signature`` = base64(HMAC-SHA256(verifier token, exact body bytes)) (reference §6)."""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from . import clock
from .config import SimConfig

# Intuit retries failed deliveries after 0 s, 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h,
# then every 6 h (§6.3). webhook_time_scale shrinks this for tests.
RETRY_SCHEDULE_S = (0, 10, 20, 30, 300, 1200, 7200, 14400, 21600)
VERBS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided",
         "Merge": "merged", "Emailed": "emailed"}


def sign(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def retry_delay(failures: int) -> float:
    return float(RETRY_SCHEDULE_S[failures - 1] if failures <= len(RETRY_SCHEDULE_S) else RETRY_SCHEDULE_S[-1])


def cloudevent(realm: str, entity: str, ident: str, op: str, ts: float, extra: dict[str, Any]) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()),
            "source": "intuit.qbo-sim." + hashlib.sha256(realm.encode()).hexdigest()[:24],
            "type": f"qbo.{entity.lower()}.{VERBS.get(op, op.lower())}.v1",
            "datacontenttype": "application/json", "time": clock.iso_utc_z(ts),
            "intuitentityid": ident, "intuitaccountid": realm, "data": extra}


def legacy(realm: str, entity: str, ident: str, op: str, ts: float, extra: dict[str, Any]) -> dict[str, Any]:
    entry = {"name": entity, "id": ident, "operation": op, "lastUpdated": clock.iso_legacy_webhook(ts), **extra}
    return {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": [entry]}}]}


@dataclass(order=True)
class Delivery:
    due: float
    seq: int
    body: bytes = field(compare=False)
    realm: str = field(compare=False)
    event: str = field(compare=False)
    failures: int = field(default=0, compare=False)


class WebhookDispatcher:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.cond = threading.Condition()
        self.heap: list[Delivery] = []
        self.seq = itertools.count()
        self.log: deque[dict[str, Any]] = deque(maxlen=500)
        self.counts: Counter[str] = Counter()
        self.rng = random.Random(config.seed)
        self.stopping = False
        self.sending = 0
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="qbo-sim-webhooks", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    def emit(self, realm: str, entity: str, ident: str, op: str, ts: float, extra: dict[str, Any] | None = None) -> None:
        cfg = self.config
        if not cfg.webhook_url or not cfg.webhook_enabled:
            return
        build = cloudevent if cfg.webhook_format == "cloudevents" else legacy
        payload = build(realm, entity, ident, op, ts, extra or {})
        body = json.dumps([payload] if cfg.webhook_format == "cloudevents" else payload).encode()
        event = f"{entity}:{ident}:{op}"
        copies = 2 if cfg.webhook_duplicate else 1   # same body, same CloudEvents id: a true duplicate
        with self.cond:
            for _ in range(copies):
                jitter = self.rng.uniform(0, cfg.webhook_reorder_ms / 1000.0) if cfg.webhook_out_of_order else 0.0
                heapq.heappush(self.heap, Delivery(time.monotonic() + jitter * cfg.webhook_time_scale,
                                                   next(self.seq), body, realm, event))
                self.counts["queued"] += 1
            self.cond.notify_all()

    def _next(self) -> Delivery | None:
        with self.cond:
            while not self.stopping:
                if self.heap and self.heap[0].due <= time.monotonic():
                    self.sending += 1
                    return heapq.heappop(self.heap)
                timeout = (self.heap[0].due - time.monotonic()) if self.heap else None
                self.cond.wait(timeout)
            return None

    def _run(self) -> None:
        while (item := self._next()) is not None:
            try:
                ok, status, error = self._post(item)
            finally:
                with self.cond:
                    self.sending -= 1
            self._record(item, ok, status, error)

    def _post(self, item: Delivery) -> tuple[bool, int | None, str]:
        cfg = self.config
        url = cfg.webhook_url
        if not url:
            return False, None, "webhook_url unset"
        req = urllib.request.Request(url, data=item.body, method="POST", headers={
            "Content-Type": "application/json", "intuit-signature": sign(item.body, cfg.verifier_token),
            "User-Agent": "qbo-sim-webhooks"})
        try:
            with urllib.request.urlopen(req, timeout=cfg.webhook_timeout) as resp:
                return 200 <= resp.status < 300, resp.status, ""
        except urllib.error.HTTPError as exc:
            return False, exc.code, ""
        except (OSError, ValueError) as exc:  # refused, reset, timeout (QBO: >3 s is a failure)
            return False, None, type(exc).__name__

    def _record(self, item: Delivery, ok: bool, status: int | None, error: str) -> None:
        cfg = self.config
        entry = {"ts": clock.now(), "realm": item.realm, "event": item.event, "attempt": item.failures + 1,
                 "status": status, "ok": ok, "error": error}
        with self.cond:
            self.log.append(entry)
            self.counts["delivered" if ok else "failed_attempts"] += 1
            if ok:
                return
            item.failures += 1
            if item.failures >= cfg.webhook_max_attempts:
                self.counts["gave_up"] += 1
                return
            item.due = time.monotonic() + retry_delay(item.failures) * cfg.webhook_time_scale
            heapq.heappush(self.heap, item)
            self.cond.notify_all()

    def snapshot(self) -> dict[str, Any]:
        with self.cond:
            return {"pending": len(self.heap) + self.sending, "counts": dict(self.counts),
                    "log": list(self.log)[-100:]}

    def clear(self) -> None:
        with self.cond:
            self.heap.clear()
            self.log.clear()
            self.counts.clear()
