"""`manage.py dev_smtp --port 8025`: the local SMTP server `make run` starts (devinbox/server.py)."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from devinbox.server import DEFAULT_REFUSE, smtp_start


class Command(BaseCommand):
    help = "Run a local SMTP server that keeps every message it receives as an .eml file (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.EMAIL_PORT)
        parser.add_argument("--dir", default=str(settings.DEV_MAIL_DIR), help="where messages are stored")
        parser.add_argument("--refuse", action="append", default=None, metavar="PATTERN",
                            help=f"refuse recipients matching this pattern with 550 (default: {DEFAULT_REFUSE[0]})")

    def handle(self, *args: Any, **options: Any) -> None:
        # aiosmtpd logs every SMTP command at INFO; one line per message caught (devinbox.server) is enough.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        refuse = options["refuse"] or list(DEFAULT_REFUSE)
        controller = smtp_start(directory=Path(options["dir"]), host=options["host"], port=options["port"],
                                refuse=refuse)
        self.stdout.write(f"dev SMTP server on {options['host']}:{options['port']}, storing messages in "
                          f"{options['dir']} (refusing {', '.join(refuse)})")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
            self.stdout.write("dev SMTP server stopped.")
