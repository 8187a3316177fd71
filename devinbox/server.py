"""The development SMTP server (aiosmtpd): accepts mail on loopback and keeps each message as an .eml file.

Nothing is relayed anywhere. Recipients matching a refuse pattern (fnmatch, e.g. "*@refused.example") get
a permanent 550 at RCPT, as a real server answers for an unknown mailbox, so the app's bounce path can be
tried by hand and is tested against a real server.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger("devinbox")

DEFAULT_REFUSE = ("*@refused.example",)
ENVELOPE_HEADER = "X-Dev-Envelope-To"  # bcc recipients appear in no header; the inbox shows them from here


class MaildirHandler:
    def __init__(self, directory: Path, refuse: Iterable[str] = DEFAULT_REFUSE) -> None:
        self.directory = Path(directory)
        self.refuse = tuple(pattern.lower() for pattern in refuse)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if any(fnmatch.fnmatch(address.lower(), pattern) for pattern in self.refuse):
            log.info("refused %s (550)", address)
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content: Any = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode("utf-8")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        header = f"{ENVELOPE_HEADER}: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        # Written aside and renamed: the inbox never lists half a message.
        partial = self.directory / f".{name}.part"
        partial.write_bytes(header + data)
        os.replace(partial, self.directory / name)
        subject = BytesHeaderParser().parsebytes(data).get("Subject", "")
        log.info("caught %r for %s as %s", subject, ", ".join(envelope.rcpt_tos), name)
        return "250 2.0.0 Message accepted for delivery"


def smtp_start(*, directory: Path, host: str = "127.0.0.1", port: int = 8025,
               refuse: Iterable[str] = DEFAULT_REFUSE) -> Controller:
    """Start the server in a background thread; `.stop()` the returned controller to end it."""
    controller = Controller(MaildirHandler(directory, refuse), hostname=host, port=port)
    controller.start()
    return controller
