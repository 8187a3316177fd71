"""The `make run` supervisor: prefixed output, a dying child stops the rest, signals stop whole process groups."""

from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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
# A child that shrugs off SIGINT, so only the SIGKILL after the grace period ends it.
STUBBORN = "import signal, os, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print(f'pids {os.getpid()}', flush=True); time.sleep(300)"


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
    assert "devrun  | crasher exited unexpectedly (code 3); stopping the others." in text
    assert sleeper.proc is not None and sleeper.proc.returncode is not None
    assert _wait_gone([sleeper.proc.pid]) == []


def test_sigterm_stops_every_child_and_what_they_started(tmp_path: Path) -> None:
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
    assert proc.stdout is not None
    pids: list[int] = []
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 30
        while len(pids) < 3 and time.monotonic() < deadline:
            if not sel.select(timeout=1):
                continue  # a loaded machine can take seconds to start three interpreters
            line = proc.stdout.readline()
            if "| pids " in line:
                pids += [int(pid) for pid in line.split("| pids ")[1].split()]
    assert len(pids) == 3, f"children did not report in: {pids}"

    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "stubborn did not stop within 2s; killing it." in rest
    assert _wait_gone(pids) == []


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
