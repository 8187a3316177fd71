"""The `make run` supervisor: prefixed output, a dying child stops the rest, signals stop whole process groups."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts import devrun
from scripts.devrun import Child, Supervisor

PY = sys.executable
# A child that starts a grandchild (same process group), prints both pids, and ignores nothing.
PARENT_AND_GRANDCHILD = textwrap.dedent("""
    import os, subprocess, sys, time
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    print(f"pids {os.getpid()} {grandchild.pid}", flush=True)
    time.sleep(300)
""")
# A child that shrugs off SIGINT and SIGTERM, so only the SIGKILL after the grace period ends it.
STUBBORN = ("import signal, os, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); print(f'pids {os.getpid()}', flush=True); time.sleep(300)")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # an unreaped zombie has already stopped


def _wait_gone(pids: list[int], seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def test_a_child_that_exits_stops_the_others_and_says_so() -> None:
    out = io.StringIO()
    sleeper = Child("sleeper", [PY, "-c", "print('hello', flush=True); import time; time.sleep(300)"])
    crasher = Child("crasher", [PY, "-c", "import time; time.sleep(1); raise SystemExit(3)"])
    status = Supervisor([sleeper, crasher], out=out, env=dict(os.environ)).run()
    text = out.getvalue()
    assert status == 1
    assert "sleeper | hello" in text
    assert "devrun  | crasher exited unexpectedly (code 3); stopping sleeper." in text
    assert text.rstrip().endswith("devrun  | all stopped.")
    assert sleeper.proc is not None and sleeper.proc.returncode is not None
    assert _wait_gone([sleeper.proc.pid]) == []


class _GonePipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_output_does_not_keep_the_children_running() -> None:
    """`make run | tee log`: Ctrl-C kills tee too, and every line devrun writes after that fails."""
    sleeper = Child("sleeper", [PY, "-c", "import time; time.sleep(300)"])
    crasher = Child("crasher", [PY, "-c", "import time; time.sleep(1); raise SystemExit(3)"])
    assert Supervisor([sleeper, crasher], out=_GonePipe(), env=dict(os.environ)).run() == 1
    assert sleeper.proc is not None
    assert _wait_gone([sleeper.proc.pid]) == []


def _start_driver(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int], Callable[[], str]]:
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(devrun.ROOT)!r})
        from scripts.devrun import Child, Supervisor, serve
        children = [Child("family", [sys.executable, "-c", {PARENT_AND_GRANDCHILD!r}]),
                    Child("stubborn", [sys.executable, "-c", {STUBBORN!r}])]
        sys.exit(serve(Supervisor(children, grace=2.0)))
    """))
    proc = subprocess.Popen([PY, str(driver)], stdout=subprocess.PIPE, text=True)
    # A thread reads every line: select() on a buffered pipe misses lines that arrived in one chunk.
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    pids: list[int] = []
    deadline = time.monotonic() + 30  # a loaded machine can take seconds to start three interpreters
    while len(pids) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
        pids = [int(pid) for line in list(lines) if "| pids " in line for pid in line.split("| pids ")[1].split()]
    if len(pids) < 3:
        proc.kill()  # its children lead groups of their own; the grace-free kill below ends the reported ones
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"children did not report in: {pids}")

    def finish() -> str:
        proc.wait(timeout=30)
        reader.join(timeout=5)
        return "".join(lines)

    return proc, pids, finish


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_stops_every_child_and_what_they_started(tmp_path: Path, sig: signal.Signals) -> None:
    proc, pids, finish = _start_driver(tmp_path)
    proc.send_signal(sig)
    rest = finish()
    assert proc.returncode == 0
    assert f"{sig.name} received; stopping family, stubborn." in rest
    assert "stubborn did not stop within 2s; killing it." in rest
    assert _wait_gone(pids) == []


def test_a_second_ctrl_c_kills_at_once(tmp_path: Path) -> None:
    proc, pids, finish = _start_driver(tmp_path)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rest = finish()
    assert time.monotonic() - started < 1.5  # not the 2 s grace
    assert "stubborn is still stopping; killing it (second signal)." in rest
    assert _wait_gone(pids) == []


def test_the_signal_handler_returns_while_the_main_thread_holds_a_lock() -> None:
    """The old handler set a threading.Event; a signal arriving while the main thread was inside that
    Event's wait (holding its lock) deadlocked devrun and left every child running. The handler may run at
    any bytecode, so it must take no lock: here it runs while the supervisor's Event lock is held."""
    supervisor = Supervisor([], out=io.StringIO(), env={})
    done = threading.Event()

    def handle_while_locked() -> None:
        # what Event.wait holds, in the thread the handler interrupts (typeshed leaves the private _cond out)
        with supervisor.stopping._cond:  # type: ignore[attr-defined]
            supervisor.request_stop(signal.SIGINT, None)
        done.set()

    threading.Thread(target=handle_while_locked, daemon=True).start()
    assert done.wait(5), "the signal handler blocked on a lock"
    assert supervisor.signals == [signal.SIGINT]


def test_defaults_point_children_at_the_simulator_without_overriding_choices() -> None:
    env = {"QBO_SIM_PORT": "9001"}
    devrun.apply_defaults(env)
    assert env["QBO_ENVIRONMENT"] == "simulator"
    assert env["QBO_SIM_URL"] == "http://127.0.0.1:9001"
    assert env["OAUTHLIB_INSECURE_TRANSPORT"] == "1"
    assert env["FSM_PORT"] == "8000"
    # Invoice emails go to the dev SMTP server the stack starts, and its inbox page is on.
    assert (env["EMAIL_HOST"], env["EMAIL_PORT"], env["FSM_DEV_INBOX"]) == ("127.0.0.1", "8025", "1")
    assert env["QBO_REDIRECT_URI"] == "http://127.0.0.1:8000/settings/integrations/quickbooks/callback/"
    assert env["QBO_WEBHOOK_VERIFIER_TOKEN"] == "sim-verifier-token"  # the app reads it; the simulator signs with it

    chosen = {"QBO_ENVIRONMENT": "sandbox", "QBO_SIM_URL": "http://127.0.0.1:1/", "FSM_PORT": "8001"}
    devrun.apply_defaults(chosen)
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in chosen  # plain http only ever for the loopback simulator
    assert (chosen["QBO_SIM_URL"], chosen["FSM_PORT"]) == ("http://127.0.0.1:1/", "8001")


def test_the_stack_uses_the_ports_and_skips_an_absent_simulator() -> None:
    env = {"FSM_PORT": "8001", "QBO_SIM_PORT": "9001", "FSM_VAR_DIR": "/tmp/x", "FSM_SMTP_PORT": "9025"}
    with_sim = {child.name: child.argv for child in devrun.stack(env, with_simulator=True)}
    assert list(with_sim) == ["qbo-sim", "mail", "web", "worker", "beat"]
    assert with_sim["mail"][-3:] == ["dev_smtp", "--port", "9025"]
    assert with_sim["qbo-sim"][-4:] == ["--port", "9001", "--state", "/tmp/x/qbo_sim.json"]
    assert with_sim["web"][-2:] == ["runserver", "127.0.0.1:8001"]
    assert with_sim["worker"][-7:] == ["-A", "fsm", "worker", "-l", "info", "--concurrency", "2"]
    assert [child.name for child in devrun.stack(env, with_simulator=False)] == ["mail", "web", "worker", "beat"]


def test_the_simulator_delivers_webhooks_to_the_app_with_the_token_it_verifies() -> None:
    env = {"FSM_PORT": "8001", "QBO_SIM_PORT": "9001", "QBO_WEBHOOK_VERIFIER_TOKEN": "shared-secret"}
    devrun.apply_defaults(env)
    sim = next(child.argv for child in devrun.stack(env, with_simulator=True) if child.name == "qbo-sim")
    assert sim[sim.index("--webhook-url") + 1] == "http://127.0.0.1:8001/hooks/quickbooks/"
    assert sim[sim.index("--verifier-token") + 1] == "shared-secret"

    elsewhere = {"FSM_PORT": "8001", "QBO_SIM_PORT": "9001", "QBO_ENVIRONMENT": "sandbox"}
    devrun.apply_defaults(elsewhere)  # Intuit's sandbox sends the webhooks; the simulator must not
    sim = next(child.argv for child in devrun.stack(elsewhere, with_simulator=True) if child.name == "qbo-sim")
    assert "--webhook-url" not in sim
