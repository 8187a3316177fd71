"""What production runs, installed from requirements.txt alone: the worker and beat on Redis, and gunicorn
with DEBUG off. The test suite's own dependencies pull in packages (e.g. `packaging`) that kombu's Redis
transport needs, so the shared .venv hid a worker and beat that crashed at start on a fresh install.

The venv is built once per requirements.txt content under var/ (pip reuses its download cache), then
reused; it never sees requirements-dev.txt.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from tests.core.test_settings_env import OURS

pytestmark = pytest.mark.slow
ROOT = Path(settings.BASE_DIR)
REDIS_URL = "redis://127.0.0.1:6379/9"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def fresh_venv() -> Path:
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()[:16]
    venv = ROOT / "var" / f"fresh-venv-{digest}"
    if (venv / ".complete").exists():
        return venv
    # Built in place (a venv's scripts hard-code its path); `.complete` marks a finished one.
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", "-r", str(ROOT / "requirements.txt")],
                         capture_output=True, text=True, timeout=900, check=False)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    (venv / ".complete").write_text(digest)
    return venv


@pytest.fixture
def prod_database(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL where the run has one (CI's PostgreSQL + Redis leg, as production): a database of its own,
    dropped afterwards; else a SQLite file."""
    ambient = os.environ.get("DATABASE_URL", "")
    if not ambient.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"fsm_fresh_install_{os.getpid()}"
    server = urlsplit(ambient)
    admin = psycopg2.connect(host=server.hostname, port=server.port or 5432, user=server.username,
                             password=server.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(server._replace(path=f"/{name}"))
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def prod_env(tmp_path: Path, prod_database: str) -> dict[str, str]:
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("CI starts Redis on 127.0.0.1:6379 (.ci/run); it is not answering")
        pytest.skip("no Redis on 127.0.0.1:6379")
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS) and k != "PYTHONPATH"}
    env.update(
        DJANGO_SETTINGS_MODULE="fsm.settings", DJANGO_DEBUG="0", FSM_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), FIELD_ENCRYPTION_KEYS=secrets.token_urlsafe(50),
        QBO_ENVIRONMENT="sandbox", QBO_CLIENT_ID="fresh-install-id", QBO_CLIENT_SECRET=secrets.token_urlsafe(20),
        QBO_WEBHOOK_VERIFIER_TOKEN=secrets.token_urlsafe(24), CELERY_BROKER_URL=REDIS_URL,
        QBO_LIMITER_REDIS_URL=REDIS_URL, FSM_OVERDUE_SWEEP_SECONDS="5",
        DATABASE_URL=prod_database,
    )
    return env


class _Proc:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._file = log.open("w")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._file, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, needle: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            if self.proc.poll() is not None:
                return needle in self.text()
            time.sleep(0.5)
        return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._file.close()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[_Proc]]:
    procs: list[_Proc] = []
    yield procs
    for proc in procs:
        proc.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, Any]:
    """GET as through the TLS-terminating proxy; redirects are answers here, not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Host": "localhost"})
    deadline = time.monotonic() + 30
    while True:
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.headers
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_worker_beat_and_gunicorn_start_from_requirements_txt_alone(
        fresh_venv: Path, prod_env: dict[str, str], tmp_path: Path, started: list[_Proc]) -> None:
    bin_dir = fresh_venv / "bin"
    python = str(bin_dir / "python")
    # Only what requirements.txt installs: none of the test tools are there.
    assert subprocess.run([python, "-c", "import pytest"], capture_output=True, check=False).returncode != 0
    subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=prod_env, check=True,
                   capture_output=True, timeout=300)

    node = f"fresh-{os.getpid()}@localhost"
    worker = _Proc([str(bin_dir / "celery"), "-A", "fsm", "worker", "-l", "info", "--concurrency", "1",
                    "-n", node, "--without-gossip", "--without-mingle"], prod_env, tmp_path / "worker.log")
    started.append(worker)
    beat = _Proc([str(bin_dir / "celery"), "-A", "fsm", "beat", "-l", "info",
                  "--schedule", str(tmp_path / "beat-schedule")], prod_env, tmp_path / "beat.log")
    started.append(beat)
    assert worker.wait_for(" ready.", 90), worker.text()
    ping = subprocess.run([str(bin_dir / "celery"), "-A", "fsm", "inspect", "ping", "-d", node, "--timeout", "10"],
                          cwd=ROOT, env=prod_env, capture_output=True, text=True, timeout=60, check=False)
    assert ping.returncode == 0 and "pong" in ping.stdout, ping.stdout + ping.stderr
    # Beat sends the overdue sweep every 5 s; the worker on the same Redis runs it.
    assert beat.wait_for("Sending due task invoices-mark-overdue", 60), beat.text()
    assert worker.wait_for("mark_overdue_invoices", 60), worker.text()
    assert worker.proc.poll() is None and beat.proc.poll() is None

    port = _free_port()
    # docker compose's own web command (its access-log format included), on a loopback port.
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    assert command[:2] == ["gunicorn", "fsm.wsgi:application"]
    command = [str(bin_dir / "gunicorn"), *command[1:]]
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    web = _Proc(command, prod_env, tmp_path / "web.log")
    started.append(web)
    assert web.wait_for("Booting worker", 60), web.text()
    status, headers = _get(f"http://127.0.0.1:{port}{reverse('login')}")
    # Intuit's redirect back carries the code and state; the access log must not.
    code = secrets.token_urlsafe(16)
    _get(f"http://127.0.0.1:{port}/settings/integrations/quickbooks/callback/?code={code}&state=st4te&realmId=1")
    assert web.wait_for("/settings/integrations/quickbooks/callback/", 10), web.text()
    assert code not in web.text() and "st4te" not in web.text()
    assert status == 200, web.text()
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
    for proc in (worker, beat, web):
        assert "Traceback" not in proc.text(), proc.text()
