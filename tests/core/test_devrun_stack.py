"""`make run` for real: simulator, web, worker and beat on free ports with a temporary var dir.

Ctrl-C (SIGINT to make's whole process group, as a terminal sends it) and SIGTERM must leave no process
of the stack alive and free both ports; a payment recorded in the simulator must reach the app through
its webhook within seconds (the CDC sweep, the only other path, runs every five minutes).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from qbo_sim.testing import SimControl
from scripts import devrun

ROOT = devrun.ROOT
PY = sys.executable
START_TIMEOUT = 120.0
pytestmark = pytest.mark.skipif(not (ROOT / "qbo_sim" / "__main__.py").is_file(), reason="needs qbo_sim")

# Run by `manage.py shell` inside the stack's database: connect the demo organization to a fresh simulator
# company, finalize one new invoice (the real worker pushes it), give the demo owner an API token.
PREPARE = """
import json, os
from datetime import date, timedelta
from decimal import Decimal
from django.db import transaction
from accounts.api_tokens import api_token_issue
from demo.seed import DEMO_SLUG
from accounts.models import Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Product
from invoicing.services import LineInput, invoice_create
from qbo_sim.testing import SimControl
from tests.integrations.push_helpers import connect_org

control = SimControl(os.environ["QBO_SIM_URL"])
realm = control.create_company("Dev Stack Books")
org = Organization.objects.get(slug=DEMO_SLUG)
connect_org(control, org, realm)
customer = Customer.objects.for_org(org).filter(is_active=True).order_by("id").first()
product = Product.objects.for_org(org).order_by("id").first()
with transaction.atomic():
    invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                             due_date=date.today() + timedelta(days=30),
                             lines=[LineInput(description="Work", quantity=Decimal(3), unit_price=Decimal("95.00"),
                                              product=product)])
    lifecycle.invoice_finalize(invoice=invoice)
owner = org.memberships.get(user__username="owner").user
print("PREPARED " + json.dumps({"realm": realm, "invoice": invoice.pk, "number": invoice.number,
                                "token": api_token_issue(user=owner)}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as runserver binds; TIME_WAIT is fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _stat(pid: int) -> tuple[str, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1])  # state, parent pid


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QBO_", "CELERY_", "DJANGO_", "EMAIL_")) and k not in ("DATABASE_URL", "FSM_PORT")}
    # DEBUG on, as the Makefile's run target sets it.
    env.update(FSM_VAR_DIR=str(var_dir), FSM_PORT=str(_free_port()), QBO_SIM_PORT=str(_free_port()),
               FSM_SMTP_PORT=str(_free_port()), DJANGO_DEBUG="1", PYTHONUNBUFFERED="1")
    return env


class Stack:
    """One running stack; its output is collected line by line."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.env = env
        self.lines: list[str] = []
        # A session of its own: the test can signal the whole group as a terminal's Ctrl-C does.
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, *needles: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not all(needle in self.text for needle in needles):
            assert self.proc.poll() is None, f"the stack exited early:\n{self.text[-4000:]}"
            assert time.monotonic() < deadline, f"never saw {needles}:\n{self.text[-4000:]}"
            time.sleep(0.2)

    def ports(self) -> list[int]:
        return [int(self.env["FSM_PORT"]), int(self.env["QBO_SIM_PORT"]), int(self.env["FSM_SMTP_PORT"])]

    def stop_and_check(self, send: Callable[[], None]) -> float:
        """Signal the stack (`send()`), then check every process it started is gone and the ports free."""
        pids = _descendants(self.proc.pid) | {self.proc.pid}
        assert len(pids) >= 7, f"expected make/devrun, sim, web (+reloaded server), worker (+pool), beat: {pids}"
        started = time.monotonic()
        send()
        self.proc.wait(timeout=30)
        took = time.monotonic() - started
        self._reader.join(timeout=5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.1)
        assert [pid for pid in pids if _alive(pid)] == [], f"survivors after the stop:\n{self.text[-3000:]}"
        assert all(_port_free(port) for port in self.ports())
        return took

    def kill(self) -> None:
        if self.proc.poll() is None:
            for pid in _descendants(self.proc.pid) | {self.proc.pid}:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded var dir, as `make run` leaves it before it starts the stack."""
    path = tmp_path_factory.mktemp("devrun-var")
    env = _env(path)
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def stack(var_dir: Path) -> Iterator[Stack]:
    """The exact command `make run` execs, started as make starts it."""
    running = Stack([PY, "scripts/devrun.py"], _env(var_dir))
    try:
        running.wait_for("FSM is up:", "ready.")  # the banner, and the Celery worker's "celery@host ready."
        yield running
    finally:
        running.kill()


def test_a_payment_recorded_in_the_simulator_reaches_the_app_within_seconds(stack: Stack) -> None:
    env = stack.env
    sim_url = f"http://127.0.0.1:{env['QBO_SIM_PORT']}"
    prepared = subprocess.run([PY, "manage.py", "shell", "-c", PREPARE], check=False, cwd=ROOT, env={**env, "QBO_SIM_URL": sim_url},
                              capture_output=True, text=True)
    assert prepared.returncode == 0, prepared.stderr
    data = json.loads(prepared.stdout.split("PREPARED ", 1)[1])
    control = SimControl(sim_url)
    deadline = time.monotonic() + 60
    while not (pushed := [i for i in control.objects(data["realm"], "Invoice") if i["DocNumber"] == data["number"]]):
        assert time.monotonic() < deadline, f"the worker never pushed the invoice:\n{stack.text[-3000:]}"
        time.sleep(0.5)
    qbo_invoice = pushed[0]
    api = requests.Session()
    api.headers["Authorization"] = f"Token {data['token']}"
    url = f"http://127.0.0.1:{env['FSM_PORT']}/api/v1/invoices/{data['invoice']}/"
    assert api.get(url, timeout=10).json()["status"] == "generated"

    recorded = time.monotonic()
    control.entities(data["realm"], "Payment", {
        "CustomerRef": qbo_invoice["CustomerRef"], "TotalAmt": qbo_invoice["TotalAmt"],
        "Line": [{"Amount": qbo_invoice["TotalAmt"], "LinkedTxn": [{"TxnId": qbo_invoice["Id"], "TxnType": "Invoice"}]}],
    })
    while (status := api.get(url, timeout=10).json()["status"]) != "paid":
        # The CDC sweep runs every 300 s: only the webhook can bring the payment this fast.
        assert time.monotonic() - recorded < 20, f"still {status}:\n{stack.text[-3000:]}"
        time.sleep(0.5)
    hooks = control.webhooks()["log"]
    assert any(entry["realm"] == data["realm"] and entry["ok"] for entry in hooks), hooks


def test_sigterm_stops_the_whole_stack_and_frees_its_ports(stack: Stack) -> None:
    took = stack.stop_and_check(lambda: stack.proc.send_signal(signal.SIGTERM))
    assert took < devrun.STOP_GRACE_SECONDS + 3
    assert "SIGTERM received; stopping qbo-sim, mail, web, worker, beat." in stack.text
    assert stack.text.rstrip().endswith("all stopped.")
    assert stack.proc.returncode == 0


def test_ctrl_c_on_make_run_stops_everything(var_dir: Path) -> None:
    """Ctrl-C in a terminal sends SIGINT to the foreground process group: make and devrun both get it."""
    running = Stack(["make", "--no-print-directory", "run"], _env(var_dir))
    try:
        running.wait_for("FSM is up:", "ready.")
        assert "superuser privileges" not in running.text  # the dev supervisor quiets Celery's root warning
        took = running.stop_and_check(lambda: os.killpg(running.proc.pid, signal.SIGINT))
    finally:
        running.kill()
    assert "SIGINT received; stopping qbo-sim, mail, web, worker, beat." in running.text
    assert "all stopped." in running.text
    assert took < devrun.STOP_GRACE_SECONDS + 3

