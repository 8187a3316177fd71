"""Reads the messages the dev SMTP server stored (one .eml file each) for the inbox pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from devinbox.server import ENVELOPE_HEADER

_NAME = re.compile(r"^[0-9A-Za-z-]+\.eml$")  # what the server writes; anything else is not served


@dataclass(frozen=True)
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class CaughtMessage:
    name: str
    subject: str
    sender: str
    to: str
    cc: str
    envelope_to: str
    date: str
    message_id: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)  # type: ignore[return-value]


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def _attachments(message: EmailMessage) -> list[EmailMessage]:
    return list(message.iter_attachments())  # type: ignore[arg-type]


def _read(path: Path) -> CaughtMessage:
    message = _parse(path)
    return CaughtMessage(
        name=path.name, subject=str(message.get("Subject", "")), sender=str(message.get("From", "")),
        to=str(message.get("To", "")), cc=str(message.get("Cc", "")),
        envelope_to=str(message.get(ENVELOPE_HEADER, "")), date=str(message.get("Date", "")),
        message_id=str(message.get("Message-ID", "")),
        text=_body(message, "plain"), html=_body(message, "html"),
        attachments=tuple(Attachment(index, part.get_filename() or f"attachment-{index}", part.get_content_type(),
                                     len(part.get_payload(decode=True) or b""))
                          for index, part in enumerate(_attachments(message))),
    )


def messages_list(directory: Path) -> list[CaughtMessage]:
    """Newest first (the file names start with the time they arrived)."""
    if not directory.is_dir():
        return []
    paths = sorted((p for p in directory.iterdir() if _NAME.match(p.name)), key=lambda p: p.name, reverse=True)
    return [_read(path) for path in paths]


def message_get(directory: Path, name: str) -> CaughtMessage | None:
    path = directory / name
    return _read(path) if _NAME.match(name) and path.is_file() else None


def attachment_get(directory: Path, name: str, index: int) -> tuple[Attachment, bytes] | None:
    path = directory / name
    if not (_NAME.match(name) and path.is_file()):
        return None
    parts = _attachments(_parse(path))
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    payload = part.get_payload(decode=True)  # a leaf part decodes to bytes, or None when it has none
    data = payload if isinstance(payload, bytes) else b""
    return Attachment(index, part.get_filename() or f"attachment-{index}", part.get_content_type(), len(data)), data
