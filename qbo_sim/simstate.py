"""The simulator's state: config, companies, tokens, webhooks and the request log.

Route handlers (``api``, ``oauth``, ``control``, ``pages``…) take a ``SimState``; ``sim.Simulator``
adds the top-level routing on top of it, so handlers never import the router that calls them."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from . import clock, fixtures, sample_data
from .config import SimConfig
from .store import Company, Registry
from .tokens import TokenStore
from .web import Request, Response
from .webhooks import WebhookDispatcher


class SimState:
    def __init__(self, config: SimConfig | None = None, state_file: str | None = None) -> None:
        self.config = config or SimConfig()
        self.initial_config = self.config.snapshot()
        self.tokens = TokenStore(self.config)
        self.webhooks = WebhookDispatcher(self.config)
        self.registry = Registry(self._install, self.webhooks.emit)
        self.recent: deque[dict[str, Any]] = deque(maxlen=50)
        self.base_url = "http://127.0.0.1"
        self.stopping = threading.Event()
        self.state_file = state_file

    def _install(self, co: Company, sample: bool | None = None, kind: str | None = None) -> None:
        fixtures.install(co, kind or self.config.default_kind)
        if self.config.sample_data if sample is None else sample:
            listener, co.listener = co.listener, None   # sample data fires no webhooks
            try:
                sample_data.install(co)
            finally:
                co.listener = listener
        defaults = dict(self.config.default_faults)
        if self.config.seed is not None and "seed" not in defaults:
            defaults["seed"] = self.config.seed
        co.faults.update(defaults)

    def count(self, realm_id: str | None, name: str) -> None:
        co = self.registry.get(realm_id) if realm_id else None
        if co is not None:
            co.stats.bump(name)

    def hang(self) -> None:
        """A simulated timeout: hold the request, then the server closes without answering."""
        self.stopping.wait(self.config.timeout_hang_seconds)

    def log_request(self, req: Request, resp: Response, ms: float) -> None:
        realm = req.path.split("/")[3] if req.path.startswith("/v3/company/") else ""
        # minorversion is logged so a client can prove every API call it made was pinned (§2.3).
        self.recent.append({"ts": clock.now(), "method": req.method, "path": req.path,
                            "status": resp.action or resp.status, "ms": ms, "realm": realm,
                            "minorversion": req.query.get("minorversion", "")})

    def reset(self) -> None:
        self.registry.clear()
        self.tokens.clear()
        self.webhooks.clear()
        self.recent.clear()
        apps = self.initial_config["apps"]
        self.config.update({k: v for k, v in self.initial_config.items() if k != "apps"})
        self.config.apps = dict(apps)
