"""Helpers for the inbound tests: the simulator's webhooks posting to the app's live server, waiting for
deliveries to settle, and running the worker's processing in the test thread (like push_helpers.drain).

The live server stores deliveries from its own threads. The `gate` keeps each test step whole: every
live-server request holds it, and a step that writes while deliveries may arrive (draining the push queue,
whose writes cause webhooks) takes it too, so those deliveries are stored after the step, not in the middle
of its transactions. On SQLite (one writer at a time) it also spares both sides lock waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pytest_django.live_server_helper import LiveServer

from integrations.inbound.events import events_process
from qbo_sim.testing import SimControl, wait_for
from tests.integrations.push_helpers import drain

HOOK_PATH = "/hooks/quickbooks/"
GATE = threading.RLock()
SETTLE_TIMEOUT = 60.0


def gated(app: Callable[..., Any]) -> Callable[..., Any]:
    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with GATE:
            return list(app(environ, start_response))

    return handle


@dataclass
class Hooks:
    control: SimControl
    url: str

    def settle(self) -> None:
        """Wait until the simulator has no delivery queued or in flight (each one answered or given up)."""
        assert wait_for(lambda: self.control.webhooks()["pending"] == 0, timeout=SETTLE_TIMEOUT), \
            self.control.webhooks()["log"][-5:]

    def process(self) -> int:
        """Settle, then do what the Celery doorbell does: process every stored event."""
        self.settle()
        with GATE:
            return events_process(time_budget=60.0)

    def drain(self) -> list[tuple[int, str]]:
        """Run the push queue; the webhooks our pushes cause wait at the gate, then arrive."""
        with GATE:
            ran = drain()
        self.settle()
        return ran

    def config(self, **patch: Any) -> None:
        self.control.config(**patch)

    def log(self, realm: str) -> list[dict[str, Any]]:
        """The simulator's recent delivery attempts for one company."""
        return [entry for entry in self.control.webhooks()["log"] if entry["realm"] == realm]


@contextmanager
def webhooks_to(live_server: LiveServer, control: SimControl, verifier_token: str) -> Iterator[Hooks]:
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    assert app is not None  # the live server is serving Django
    httpd.set_app(gated(app))
    url = live_server.url + HOOK_PATH
    control.config(webhook_url=url, verifier_token=verifier_token, webhook_enabled=True, webhook_format="cloudevents",
                   webhook_time_scale=0.01, webhook_max_attempts=3, webhook_duplicate=False,
                   webhook_out_of_order=False)
    hooks = Hooks(control=control, url=url)
    try:
        yield hooks
        hooks.settle()
    finally:
        control.config(webhook_url=None, verifier_token="sim-verifier-token", webhook_enabled=True,
                       webhook_format="cloudevents", webhook_time_scale=1.0, webhook_max_attempts=12,
                       webhook_duplicate=False, webhook_out_of_order=False)
        httpd.set_app(app)


class Capture:
    """Records the simulator's signed deliveries instead of passing them on (to replay them in any order)."""

    def __init__(self) -> None:
        self.bodies: list[tuple[bytes, str]] = []
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                capture.bodies.append((body, self.headers["intuit-signature"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/capture"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
