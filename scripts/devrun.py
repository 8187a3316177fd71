"""Run the whole app in one terminal for development: QBO simulator, web, Celery worker and beat.

`make run` calls this after migrating and seeding the demo data. Each child leads its own process group,
so stopping one stops everything it forked too (runserver's reloader, the worker's pool), and the
terminal's Ctrl-C reaches only this supervisor, which stops the children in order. Each output line is
prefixed with the child's name. Ctrl-C, SIGTERM or SIGHUP stops all children (SIGTERM, then SIGKILL to
the group after a grace period, at once on a second signal), and a child that exits on its own stops the
rest, because a half-running stack (say, no worker) looks healthy in the browser while nothing syncs.
The reason is always printed. The environment passes through to the children unchanged (DJANGO_DEBUG
and the like come from the Makefile or the developer), with only the defaults below added.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import django

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_GRACE_SECONDS = 10.0  # a Celery worker on the filesystem broker takes about 5 s to shut down warmly
READY_TIMEOUT_SECONDS = 120.0
_COLORS = ("36", "35", "33", "32", "34", "31")
# Celery warns at every start that a worker running as root "is absolutely not recommended" (a container or
# a VM's root shell). For this dev stack that is known and harmless, and the banner hides real output; only
# that one warning is silenced (by its message's start), only here, never in production.
_ROOT_WARNING_FILTER = "ignore:You're running the worker with superuser privileges"


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # on top of the supervisor's environment
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def apply_defaults(env: MutableMapping[str, str]) -> None:
    """The embedded-stack defaults, set only where the developer has not chosen otherwise."""
    env.setdefault("FSM_PORT", "8000")
    env.setdefault("QBO_SIM_PORT", "8765")
    env.setdefault("QBO_ENVIRONMENT", "simulator")
    env.setdefault("QBO_SIM_URL", f"http://127.0.0.1:{env['QBO_SIM_PORT']}")
    # The OAuth callback must come back to this server's port (settings' default assumes 8000).
    env.setdefault("QBO_REDIRECT_URI", f"http://127.0.0.1:{env['FSM_PORT']}/settings/integrations/quickbooks/callback/")
    if env["QBO_ENVIRONMENT"] == "simulator":
        # python-quickbooks' OAuth2Session refuses plain http; only the loopback simulator speaks it.
        env.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
        # The simulator delivers webhooks to this server, signed with the token the app verifies: one value
        # for both sides, so a change made in the simulator reaches the app in seconds (not at the next
        # CDC sweep, minutes later), as in production.
        env.setdefault("QBO_WEBHOOK_VERIFIER_TOKEN", "sim-verifier-token")
    # Invoice emails go to the dev SMTP server in the table below; its catch shows at /dev/inbox/ (staff).
    env.setdefault("FSM_SMTP_PORT", "8025")
    env.setdefault("EMAIL_HOST", "127.0.0.1")
    env.setdefault("EMAIL_PORT", env["FSM_SMTP_PORT"])
    env.setdefault("FSM_DEV_INBOX", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")  # children's lines arrive as they are written


def _worker_env(env: Mapping[str, str]) -> dict[str, str]:
    if os.geteuid() != 0:
        return {}
    return {"PYTHONWARNINGS": ",".join(filter(None, [env.get("PYTHONWARNINGS", ""), _ROOT_WARNING_FILTER]))}


def webhook_url(env: Mapping[str, str]) -> str:
    return f"http://127.0.0.1:{env['FSM_PORT']}/hooks/quickbooks/"


def simulator_present() -> bool:
    return (ROOT / "qbo_sim" / "__main__.py").is_file()


def stack(env: Mapping[str, str], *, with_simulator: bool) -> list[Child]:
    children = []
    var_dir = Path(env.get("FSM_VAR_DIR") or ROOT / "var")
    if with_simulator:
        sim = [PYTHON, "-m", "qbo_sim", "--port", env["QBO_SIM_PORT"], "--state", str(var_dir / "qbo_sim.json")]
        if env.get("QBO_ENVIRONMENT") == "simulator" and env.get("QBO_WEBHOOK_VERIFIER_TOKEN"):
            sim += ["--webhook-url", webhook_url(env), "--verifier-token", env["QBO_WEBHOOK_VERIFIER_TOKEN"]]
        children.append(Child("qbo-sim", sim))
    children += [
        Child("mail", [PYTHON, "manage.py", "dev_smtp", "--port", env["FSM_SMTP_PORT"]]),
        Child("web", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{env['FSM_PORT']}"]),
        Child("worker", [PYTHON, "-m", "celery", "-A", "fsm", "worker", "-l", "info", "--concurrency", "2"],
              env=_worker_env(env)),
        Child("beat", [PYTHON, "-m", "celery", "-A", "fsm", "beat", "-l", "info"]),
    ]
    return children


class Supervisor:
    """Starts the children and watches them from the main thread.

    A signal handler runs in the main thread between two bytecodes, possibly while that thread holds a lock
    (an `Event.wait` holds its condition's lock), so the handler only records which signal came; the main
    loop, which wakes every TICK seconds, does the stopping. Never set an Event or take a lock in there.
    """

    TICK = 0.1

    def __init__(self, children: list[Child], *, out: TextIO = sys.stdout, env: Mapping[str, str] | None = None,
                 ready_url: str | None = None, on_ready: Callable[[], list[str]] | None = None,
                 grace: float = STOP_GRACE_SECONDS) -> None:
        self.children = children
        self.grace = grace
        self.out = out
        self.env = dict(os.environ if env is None else env)
        self.ready_url = ready_url
        self.on_ready = on_ready
        self.signals: list[int] = []  # appended to by the signal handler only
        self.stopping = threading.Event()  # for the helper threads; set by the main thread, never a handler
        self._write_lock = threading.Lock()
        self._pumps: list[threading.Thread] = []
        names = ["devrun", *(child.name for child in children)]
        width = max(map(len, names))
        colors = itertools.chain(["1"], itertools.cycle(_COLORS))
        self._prefix = {name: f"{name:<{width}} | " for name in names}
        if out.isatty():
            self._prefix = {name: f"\033[{next(colors)}m{prefix}\033[0m" for name, prefix in self._prefix.items()}

    def say(self, name: str, line: str) -> None:
        with self._write_lock:
            try:
                self.out.write(self._prefix[name] + line.rstrip("\n") + "\n")
                self.out.flush()
            except (OSError, ValueError):
                # Output is best effort: a closed terminal or a pipe reader gone (`make run | tee`, whose tee
                # dies on the same Ctrl-C) must never keep devrun from stopping its children.
                pass

    def request_stop(self, signum: int, _frame: object = None) -> None:
        """The signal handler: record the signal, nothing else (see the class docstring)."""
        self.signals.append(signum)

    def run(self) -> int:
        """Start every child, then watch them until a signal or an unexpected exit; always stop them all."""
        status, reason = 1, "devrun itself failed"
        try:
            status, reason = self._start_and_watch()
        finally:
            self.stop_all(reason)
        return status

    def _start_and_watch(self) -> tuple[int, str]:
        for child in self.children:
            if self.signals:
                break
            try:
                # process_group=0: the child leads a group of its own, so the terminal's Ctrl-C reaches only
                # devrun (which stops the children in order) and killpg reaches everything the child forked.
                child.proc = subprocess.Popen(child.argv, cwd=ROOT, env={**self.env, **child.env},
                                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT, process_group=0)
            except OSError as exc:
                return 1, f"could not start {child.name} ({exc})"
            pump = threading.Thread(target=self._pump, args=(child,), daemon=True)
            pump.start()
            self._pumps.append(pump)
        if self.ready_url:
            threading.Thread(target=self._announce_when_ready, daemon=True).start()
        while not self.signals:
            dead = next((c for c in self.children if c.proc and c.proc.poll() is not None), None)
            if dead is not None:
                assert dead.proc is not None
                return 1, f"{dead.name} exited unexpectedly (code {dead.proc.returncode})"
            time.sleep(self.TICK)
        return 0, f"{signal.Signals(self.signals[0]).name} received"

    def stop_all(self, reason: str) -> None:
        """SIGTERM to each child, SIGKILL to whatever is left in its group after the grace period (at once
        on a second Ctrl-C). SIGTERM goes to the group leader only: the Celery worker then shuts its pool
        down warmly itself (SIGTERM to the whole group would kill the pool under it)."""
        self.stopping.set()
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        self.say("devrun", f"{reason}; stopping {', '.join(c.name for c in running) or 'nothing'}.")
        seen = len(self.signals)
        for child in running:
            self._signal(child, signal.SIGTERM, group=False)
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and len(self.signals) == seen:
            if all(c.proc is not None and c.proc.poll() is not None for c in running):
                break
            time.sleep(self.TICK)
        for child in running:
            assert child.proc is not None
            if child.proc.poll() is None:
                self.say("devrun", f"{child.name} is still stopping; killing it (second signal)."
                         if len(self.signals) > seen else f"{child.name} did not stop within {self.grace:.0f}s; "
                                                          "killing it.")
        # Whatever is left in any group (a pool child, the reloader's server process) goes now.
        for child in self.children:
            if child.proc is not None:
                self._signal(child, signal.SIGKILL, group=True)
                child.proc.wait()
        for pump in self._pumps:
            pump.join(timeout=2)  # print the children's last lines before the final word
        self.say("devrun", "all stopped.")

    @staticmethod
    def _signal(child: Child, sig: signal.Signals, *, group: bool) -> None:
        assert child.proc is not None
        try:
            if group:
                os.killpg(child.proc.pid, sig)  # group id == pid: each child leads its own group
            else:
                child.proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _pump(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        for raw in iter(child.proc.stdout.readline, b""):
            self.say(child.name, raw.decode("utf-8", errors="replace"))

    def _announce_when_ready(self) -> None:
        assert self.ready_url is not None
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.ready_url, timeout=2).close()
            except urllib.error.HTTPError:
                pass  # any HTTP answer means the server is up
            except (urllib.error.URLError, OSError):
                self.stopping.wait(0.5)
                continue
            for line in self.on_ready() if self.on_ready else [f"ready: {self.ready_url}"]:
                self.say("devrun", line)
            return
        if not self.stopping.is_set():
            self.say("devrun", f"web did not answer at {self.ready_url} within {READY_TIMEOUT_SECONDS:.0f}s.")


def serve(supervisor: Supervisor) -> int:
    """Run until Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal closed), which stop every child; the exit
    status is 1 if a child died on its own."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, supervisor.request_stop)
    return supervisor.run()


def demo_logins() -> tuple[list[tuple[str, str]], str]:
    """Logins and password from the seed_demo command's own module, so the two cannot drift."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fsm.settings")
    django.setup()
    # Imported only now: the module reads models, which need django.setup() (and ROOT on sys.path) first.
    from demo import seed

    return seed.demo_logins(), seed.DEMO_PASSWORD


def main() -> int:
    apply_defaults(os.environ)
    logins, password = demo_logins()
    with_simulator = simulator_present()
    url = f"http://127.0.0.1:{os.environ['FSM_PORT']}/"

    def banner() -> list[str]:
        lines = [f"FSM is up: {url}", f"  sign in with password {password} as:"]
        lines += [f"    {username:<14} {what}" for username, what in logins]
        if with_simulator:
            lines.append(f"  QuickBooks simulator: {os.environ['QBO_SIM_URL']} (QBO_ENVIRONMENT="
                         f"{os.environ['QBO_ENVIRONMENT']})")
        lines.append(f"  caught mail (staff, e.g. superuser): {url}dev/inbox/ (SMTP on 127.0.0.1:{os.environ['FSM_SMTP_PORT']})")
        return [*lines, "  Ctrl-C stops everything."]

    supervisor = Supervisor(stack(os.environ, with_simulator=with_simulator), ready_url=url, on_ready=banner)
    if not with_simulator:
        supervisor.say("devrun", "WARNING: qbo_sim is absent (no qbo_sim/__main__.py); running without the "
                                 "QuickBooks simulator.")
    return serve(supervisor)


if __name__ == "__main__":
    sys.exit(main())
