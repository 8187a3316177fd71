"""`manage.py dev_smtp`, the mail server `make run` starts: a real process on a free loopback port."""

from __future__ import annotations

import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from devinbox.mailbox import messages_list
from tests.conftest import _free_port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("dev_smtp did not listen in time")


def test_dev_smtp_keeps_messages_refuses_the_refused_domain_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port, directory = _free_port(), tmp_path / "mail"
    proc = subprocess.Popen([sys.executable, "manage.py", "dev_smtp", "--port", str(port), "--dir", str(directory)],
                            cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("a@x.test", ["b@y.test", "c@y.test"], b"Subject: Hello\r\nTo: b@y.test\r\n\r\nbody\r\n")
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("a@x.test", ["z@refused.example"], b"Subject: No\r\n\r\nbody\r\n")
        assert refused.value.recipients["z@refused.example"][0] == 550
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=20)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    [caught] = messages_list(directory)
    assert (caught.subject, caught.to, caught.envelope_to) == ("Hello", "b@y.test", "b@y.test, c@y.test")
    assert "caught 'Hello' for b@y.test, c@y.test" in output and "refused z@refused.example (550)" in output
    assert "dev SMTP server stopped." in output
