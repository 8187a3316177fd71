"""The embedded broker (a folder of message files) never hands the worker a message still being written:
the stock filesystem transport did, and the worker died on JSONDecodeError ("Unrecoverable error")."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scripts.devrun import ROOT

# One process puts large messages while another takes them, each through the app's configured broker.
SCRIPT = textwrap.dedent("""
    import os, sys, time
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fsm.settings")
    import django
    django.setup()
    from fsm.celery import app
    role, count = sys.argv[1], int(sys.argv[2])
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue("broker-race-check")
        if role == "put":
            for i in range(count):
                queue.put({"i": i, "blob": "x" * 1_000_000})
        else:
            print("READY", flush=True)
            got, deadline = 0, time.monotonic() + 90
            while got < count and time.monotonic() < deadline:
                try:
                    message = queue.get(timeout=0.01)
                except queue.Empty:
                    continue
                assert len(message.payload["blob"]) == 1_000_000
                message.ack()
                got += 1
            print(f"GOT {got}", flush=True)
""")


@pytest.mark.skipif(bool(os.environ.get("CELERY_BROKER_URL")), reason="the embedded broker only")
def test_a_reader_never_gets_a_half_written_message(tmp_path: Path) -> None:
    script = tmp_path / "race.py"
    script.write_text(SCRIPT)
    env = {**{k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")},
           "FSM_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}
    count = 60
    reader = subprocess.Popen([sys.executable, str(script), "get", str(count)], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None
    assert reader.stdout.readline().strip() == "READY"
    subprocess.run([sys.executable, str(script), "put", str(count)], cwd=ROOT, env=env, check=True, timeout=120)
    out, err = reader.communicate(timeout=120)
    assert "JSONDecodeError" not in err
    assert out.strip() == f"GOT {count}", err[-2000:]
    assert not [name for name in os.listdir(tmp_path / "var" / "celery" / "queue") if name.startswith(".partial-")]
