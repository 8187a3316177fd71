"""Run the whole app in one terminal for development: QBO simulator, web, Celery worker and beat.

`make run` calls this after migrating and seeding the demo data. Each child runs in its own process
group, so stopping one stops everything it forked too (runserver's reloader, the worker's pool).
Each output line is prefixed with the child's name. Ctrl-C or SIGTERM stops all children; a child
that exits on its own stops the rest, because a half-running stack (say, no worker) looks healthy
in the browser while nothing syncs.
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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_GRACE_SECONDS = 15.0  # a Celery worker on the filesystem broker takes 6-8 s to shut down warmly
READY_TIMEOUT_SECONDS = 120.0
_COLORS = ("36", "35", "33", "32", "34", "31")


@dataclass
class Child:
    name: str
    argv: list[str]
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
    # Invoice emails go to the dev SMTP server in the table below; its catch shows at /dev/inbox/ (staff).
    env.setdefault("FSM_SMTP_PORT", "8025")
    env.setdefault("EMAIL_HOST", "127.0.0.1")
    env.setdefault("EMAIL_PORT", env["FSM_SMTP_PORT"])
    env.setdefault("FSM_DEV_INBOX", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")  # children's lines arrive as they are written


def simulator_present() -> bool:
    return (ROOT / "qbo_sim" / "__main__.py").is_file()


def stack(env: Mapping[str, str], *, with_simulator: bool) -> list[Child]:
    children = []
    var_dir = Path(env.get("FSM_VAR_DIR") or ROOT / "var")
    if with_simulator:
        children.append(Child("qbo-sim", [PYTHON, "-m", "qbo_sim", "--port", env["QBO_SIM_PORT"],
                                          "--state", str(var_dir / "qbo_sim.json")]))
    children += [
        Child("mail", [PYTHON, "manage.py", "dev_smtp", "--port", env["FSM_SMTP_PORT"]]),
        Child("web", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{env['FSM_PORT']}"]),
        Child("worker", [PYTHON, "-m", "celery", "-A", "fsm", "worker", "-l", "info", "--concurrency", "2"]),
        Child("beat", [PYTHON, "-m", "celery", "-A", "fsm", "beat", "-l", "info"]),
    ]
    return children


class Supervisor:
    def __init__(self, children: list[Child], *, out: TextIO = sys.stdout, env: Mapping[str, str] | None = None,
                 ready_url: str | None = None, on_ready: Callable[[], list[str]] | None = None,
                 grace: float = STOP_GRACE_SECONDS) -> None:
        self.children = children
        self.grace = grace
        self.out = out
        self.env = dict(os.environ if env is None else env)
        self.ready_url = ready_url
        self.on_ready = on_ready
        self.stopping = threading.Event()
        self._write_lock = threading.Lock()
        names = ["devrun", *(child.name for child in children)]
        width = max(map(len, names))
        colors = itertools.chain(["1"], itertools.cycle(_COLORS))
        self._prefix = {name: f"{name:<{width}} | " for name in names}
        if out.isatty():
            self._prefix = {name: f"\033[{next(colors)}m{prefix}\033[0m" for name, prefix in self._prefix.items()}

    def say(self, name: str, line: str) -> None:
        with self._write_lock:
            self.out.write(self._prefix[name] + line.rstrip("\n") + "\n")
            self.out.flush()

    def run(self) -> int:
        """Start every child, then watch them until a stop request or an unexpected exit."""
        try:
            for child in self.children:
                child.proc = subprocess.Popen(child.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                              start_new_session=True)
                threading.Thread(target=self._pump, args=(child,), daemon=True).start()
        except OSError as exc:
            self.say("devrun", f"could not start {child.name} ({exc}); stopping the others.")
            self.stop_all()
            return 1
        if self.ready_url:
            threading.Thread(target=self._announce_when_ready, daemon=True).start()
        status = 0
        while not self.stopping.wait(0.2):
            dead = next((c for c in self.children if c.proc and c.proc.poll() is not None), None)
            if dead is not None:
                self.say("devrun", f"{dead.name} exited unexpectedly (code {dead.proc.returncode}); "
                                   "stopping the others.")
                status = 1
                break
        self.stop_all()
        return status

    def request_stop(self, *_: object) -> None:
        self.stopping.set()

    def stop_all(self) -> None:
        self.stopping.set()
        # SIGINT to each whole group is what Ctrl-C in a terminal does to a program run by hand: the
        # worker's pool children ignore it and let the worker shut them down warmly, and runserver's
        # reloader and server both exit. SIGTERM to the group would kill the pool under the worker.
        self._signal_all(signal.SIGINT)
        deadline = time.monotonic() + self.grace
        for child in self.children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("devrun", f"{child.name} did not stop within {self.grace:.0f}s; killing it.")
        # Whatever is left in any group (a pool child, a reloader's server) goes now.
        self._signal_all(signal.SIGKILL)
        for child in self.children:
            if child.proc is not None:
                child.proc.wait()
        self.say("devrun", "all stopped.")

    def _signal_all(self, sig: signal.Signals) -> None:
        for child in self.children:
            if child.proc is None:
                continue
            try:
                os.killpg(child.proc.pid, sig)  # group id == pid: each child leads its own session
            except (ProcessLookupError, PermissionError):
                pass

    def _pump(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        for raw in iter(child.proc.stdout.readline, b""):
            self.say(child.name, raw.decode("utf-8", errors="replace"))

    def _announce_when_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.ready_url, timeout=2).close()
            except urllib.error.HTTPError:
                pass  # any HTTP answer means the server is up
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
                continue
            for line in self.on_ready() if self.on_ready else [f"ready: {self.ready_url}"]:
                self.say("devrun", line)
            return
        if not self.stopping.is_set():
            self.say("devrun", f"web did not answer at {self.ready_url} within {READY_TIMEOUT_SECONDS:.0f}s.")


def serve(supervisor: Supervisor) -> int:
    """Run until Ctrl-C (SIGINT) or SIGTERM, which stop every child; the exit status is 1 if one died."""
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    return supervisor.run()


def demo_logins() -> tuple[list[str], str]:
    """Usernames and password from the seed_demo command's own module, so the two cannot drift."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fsm.settings")
    import django

    django.setup()
    from accounts.demo import DEMO_PASSWORD, DEMO_USERS

    return [username for username, _ in DEMO_USERS], DEMO_PASSWORD


def main() -> int:
    apply_defaults(os.environ)
    usernames, password = demo_logins()
    with_simulator = simulator_present()
    url = f"http://127.0.0.1:{os.environ['FSM_PORT']}/"

    def banner() -> list[str]:
        lines = [f"FSM is up: {url}", f"  sign in as {' / '.join(usernames)}, password {password}"]
        if with_simulator:
            lines.append(f"  QuickBooks simulator: {os.environ['QBO_SIM_URL']} (QBO_ENVIRONMENT="
                         f"{os.environ['QBO_ENVIRONMENT']})")
        lines.append(f"  caught mail (staff): {url}dev/inbox/ (SMTP on 127.0.0.1:{os.environ['FSM_SMTP_PORT']})")
        return [*lines, "  Ctrl-C stops everything."]

    supervisor = Supervisor(stack(os.environ, with_simulator=with_simulator), ready_url=url, on_ready=banner)
    if not with_simulator:
        supervisor.say("devrun", "WARNING: qbo_sim is absent (no qbo_sim/__main__.py); running without the "
                                 "QuickBooks simulator.")
    return serve(supervisor)


if __name__ == "__main__":
    sys.exit(main())
