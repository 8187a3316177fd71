"""Test helpers other suites import: keep these names and signatures stable.

* ``SimulatorProcess`` - starts ``python -m qbo_sim --port 0`` as a subprocess (context manager).
* ``SimControl`` - a tiny requests client for the ``/_sim`` control API.
* ``authorize`` - drives the authorize form over HTTP and returns the callback parameters.
* ``make_auth_client`` / ``make_qb_client`` - unmodified intuit-oauth / python-quickbooks
  objects pointed at the simulator.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests

if TYPE_CHECKING:
    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks

DEFAULT_CLIENT_ID = "sim-client-id"
DEFAULT_CLIENT_SECRET = "sim-client-secret"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:9/callback"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
READY_PREFIX = "QBO_SIM_READY "
CA_PREFIX = "QBO_SIM_CA "
PACKAGE_PARENT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


class SimulatorProcess:
    """``with SimulatorProcess(["--no-throttle"]) as sim: sim.url, sim.control ...``

    Test runs start with empty companies (``--empty``) so every test sees only what it creates;
    ``sample_data=True`` gives them the sandbox sample data a user's run gets."""

    def __init__(self, args: Sequence[str] = (), *, host: str = "127.0.0.1", python: str = sys.executable,
                 env: dict[str, str] | None = None, startup_timeout: float = 20.0,
                 sample_data: bool = False) -> None:
        args = list(args)
        if not sample_data and "--empty" not in args:
            args.append("--empty")
        self.args, self.host, self.python = args, host, python
        self.env, self.startup_timeout = env, startup_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.ca_path: str | None = None   # set with --tls: trust it via session.verify/REQUESTS_CA_BUNDLE
        self.output: deque[str] = deque(maxlen=200)   # last lines of the simulator's stdout/stderr
        self._ready = threading.Event()

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid_sandbox_configuration"

    @property
    def api_base(self) -> str:
        return f"{self.url}/v3"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def control(self) -> SimControl:
        return SimControl(self.url)

    def start(self) -> Self:
        env = {**os.environ, **(self.env or {})}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        cmd = [self.python, "-m", "qbo_sim", "--host", self.host, "--port", "0", *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     cwd=str(PACKAGE_PARENT))
        threading.Thread(target=self._pump, name="qbo-sim-output", daemon=True).start()
        if not self._ready.wait(self.startup_timeout) or not self.url:
            self.stop()
            raise RuntimeError("qbo_sim did not start:\n" + "\n".join(self.output))
        return self

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.output.append(line)
            if not self.url and line.startswith(READY_PREFIX):
                self.url = line[len(READY_PREFIX):].strip()
                if "--tls" not in self.args:
                    self._ready.set()
            elif line.startswith(CA_PREFIX):
                self.ca_path = line[len(CA_PREFIX):].strip()
                self._ready.set()
        self._ready.set()  # process ended: unblock start()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (the simulator saves --state on the way out), then SIGKILL if it lingers."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        return self.proc.returncode

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SimControl:
    """Methods mirror ``/_sim`` endpoints; each returns the decoded JSON answer."""

    def __init__(self, url: str, session: requests.Session | None = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.http = session or requests.Session()
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = self.http.request(method, f"{self.url}/_sim{path}", json=body, timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()

    # /_sim answers JSON objects, except the two list endpoints (companies, requests).
    def _object(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = self._call(method, path, body)
        return answer

    def _list(self, method: str, path: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._call(method, path)
        return answer

    def health(self) -> dict[str, Any]:
        return self._object("GET", "/health")

    def companies(self) -> list[dict[str, Any]]:
        return self._list("GET", "/companies")

    def create_company(self, name: str = "Sandbox Company", seed: dict[str, int] | None = None,
                       preferences: dict[str, bool] | None = None, empty: bool | None = None,
                       kind: str | None = None) -> str:
        """``empty``: None follows the simulator (``--empty`` or sample data), True/False override.
        ``kind``: us_manual (default), us_ast, us_no_tax, ca, uk or au (qbo_sim/kinds.py)."""
        body: dict[str, Any] = {"name": name, "seed": seed or {}, "preferences": preferences or {}}
        if kind is not None:
            body["kind"] = kind
        if empty is not None:
            body["empty"] = empty
        return str(self._object("POST", "/companies", body)["realm_id"])

    def company(self, realm_id: str) -> dict[str, Any]:
        return self._object("GET", f"/companies/{realm_id}")

    def seed(self, realm_id: str, **counts: int) -> dict[str, int]:
        created: dict[str, int] = self._object("POST", f"/companies/{realm_id}/seed", counts)["created"]
        return created

    def faults(self, realm_id: str) -> dict[str, Any]:
        return self._object("GET", f"/companies/{realm_id}/faults")

    def set_faults(self, realm_id: str, **settings: Any) -> dict[str, Any]:
        return self._object("PATCH", f"/companies/{realm_id}/faults", settings)

    def clear_faults(self, realm_id: str) -> dict[str, Any]:
        return self._object("POST", f"/companies/{realm_id}/faults/clear")

    def expire_tokens(self, realm_id: str) -> int:
        return int(self._object("POST", f"/companies/{realm_id}/expire-tokens")["expired"])

    def revoke(self, realm_id: str) -> int:
        return int(self._object("POST", f"/companies/{realm_id}/revoke")["revoked"])

    def connect(self, realm_id: str, client_id: str | None = None, scope: str | None = None) -> dict[str, Any]:
        """Mint tokens without the browser flow: {access_token, refresh_token, realm_id, ...}."""
        return self._object("POST", f"/companies/{realm_id}/connect", {"client_id": client_id, "scope": scope})

    def throttle_reset(self, realm_id: str) -> dict[str, Any]:
        return self._object("POST", f"/companies/{realm_id}/throttle/reset")

    def stats(self, realm_id: str) -> dict[str, Any]:
        return self._object("GET", f"/companies/{realm_id}/stats")

    def preferences(self, realm_id: str, **switches: bool) -> dict[str, bool]:
        if switches:
            return self._object("PATCH", f"/companies/{realm_id}/preferences", switches)
        return self._object("GET", f"/companies/{realm_id}/preferences")

    def objects(self, realm_id: str, entity: str) -> list[dict[str, Any]]:
        objects: list[dict[str, Any]] = self._object("GET", f"/companies/{realm_id}/objects/{entity}")["objects"]
        return objects

    def object(self, realm_id: str, entity: str, ident: str) -> dict[str, Any]:
        return self._object("GET", f"/companies/{realm_id}/objects/{entity}/{ident}")

    def entities(self, realm_id: str, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        """A bookkeeper's edit in QBO: create (no Id) or sparse update; fires webhooks/CDC."""
        record: dict[str, Any] = self._object("POST", f"/companies/{realm_id}/entities/{entity}", data)[entity]
        return record

    def delete_entity(self, realm_id: str, entity: str, ident: str) -> dict[str, Any]:
        return self._object("POST", f"/companies/{realm_id}/entities/{entity}/{ident}/delete")

    def void_entity(self, realm_id: str, entity: str, ident: str) -> dict[str, Any]:
        return self._object("POST", f"/companies/{realm_id}/entities/{entity}/{ident}/void")

    def merge(self, realm_id: str, entity: str, source_id: str, target_id: str) -> dict[str, Any]:
        return self._object("POST", f"/companies/{realm_id}/merge/{entity}", {"from": source_id, "into": target_id})

    def rotate_refresh_now(self, realm_id: str | None = None) -> int:
        return int(self._object("POST", "/rotate-refresh-now", {"realm_id": realm_id})["grants_marked"])

    def config(self, **patch: Any) -> dict[str, Any]:
        return self._object("PATCH", "/config", patch) if patch else self._object("GET", "/config")

    def webhooks(self) -> dict[str, Any]:
        return self._object("GET", "/webhooks")

    def requests(self) -> list[dict[str, Any]]:
        return self._list("GET", "/requests")

    def reset(self) -> None:
        self._object("POST", "/reset")

    def save(self, path: str | None = None) -> str | None:
        saved: str | None = self._object("POST", "/save", {"path": path})["saved"]
        return saved


def authorize(sim_url: str, *, client_id: str = DEFAULT_CLIENT_ID, redirect_uri: str = DEFAULT_REDIRECT_URI,
              scope: str = ACCOUNTING_SCOPE, state: str = "test-state", realm_id: str | None = None,
              new_company: str | None = None, email: str = "dev@example.com", action: str = "authorize",
              auth_url: str | None = None, kind: str = "") -> dict[str, str]:
    """Submit the simulator's authorize form like a person would and return the callback query
    (``code``, ``state``, ``realmId`` or ``error``). Pass ``auth_url`` from
    ``AuthClient.get_authorization_url`` to use exactly what the library built. ``kind``: the kind
    of a new company (empty: the simulator's default)."""
    http = requests.Session()
    if auth_url is None:
        auth_url = f"{sim_url}/connect/oauth2"
        params = {"client_id": client_id, "response_type": "code", "scope": scope, "redirect_uri": redirect_uri,
                  "state": state}
        page = http.get(auth_url, params=params, timeout=10)
    else:
        page = http.get(auth_url, timeout=10)
        params = {k: v[0] for k, v in parse_qs(urlsplit(auth_url).query).items()}
    page.raise_for_status()
    form = {**params, "email": email, "password": "x", "realm": realm_id or "", "new_company": new_company or "",
            "action": action, "kind": kind}
    resp = http.post(f"{sim_url}/connect/oauth2", data=form, allow_redirects=False, timeout=10)
    if resp.status_code != 302:
        raise RuntimeError(f"authorize did not redirect: {resp.status_code} {resp.text[:200]}")
    location = resp.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def make_auth_client(sim_url: str, *, client_id: str = DEFAULT_CLIENT_ID,
                     client_secret: str = DEFAULT_CLIENT_SECRET, redirect_uri: str = DEFAULT_REDIRECT_URI,
                     access_token: str | None = None, refresh_token: str | None = None,
                     realm_id: str | None = None) -> AuthClient:
    """intuit-oauth's AuthClient using the simulator's discovery document (any non
    'sandbox'/'production' environment string is used as the discovery URL)."""
    # The app's client library, needed by this helper only: the simulator itself never imports it.
    from intuitlib.client import AuthClient

    return AuthClient(client_id, client_secret, redirect_uri,
                      environment=f"{sim_url}/.well-known/openid_sandbox_configuration",
                      access_token=access_token, refresh_token=refresh_token, realm_id=realm_id)


def make_qb_client(sim_url: str, realm_id: str, access_token: str, refresh_token: str | None = None, *,
                   client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET,
                   minorversion: int = 75, auth_client: AuthClient | None = None) -> QuickBooks:
    """An unmodified python-quickbooks ``QuickBooks`` talking to the simulator.

    * ``access_token`` must be set, or QuickBooks() refreshes on its own (reference §7.2).
    * ``api_url_v3``/``sandbox_api_url_v3`` are set on the instance: a discovery URL as
      environment makes ``qb.sandbox`` False, so both must point at the simulator.
    * requests-oauthlib refuses plain http unless OAUTHLIB_INSECURE_TRANSPORT is set; this helper
      sets it for http:// URLs (tests only - never in production code). With ``--tls`` trust
      ``SimulatorProcess.ca_path`` through REQUESTS_CA_BUNDLE instead."""
    # The app's client library, needed by this helper only: the simulator itself never imports it.
    from quickbooks import QuickBooks

    if sim_url.startswith("http://"):
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    client = auth_client or make_auth_client(sim_url, client_id=client_id, client_secret=client_secret,
                                             access_token=access_token, refresh_token=refresh_token,
                                             realm_id=realm_id)
    client.access_token = access_token
    qb = QuickBooks(auth_client=client, refresh_token=refresh_token, company_id=realm_id, minorversion=minorversion)
    qb.api_url_v3 = qb.sandbox_api_url_v3 = f"{sim_url}/v3"
    return qb


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02) -> T:
    """Poll ``predicate()`` until truthy (for webhook deliveries); returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
