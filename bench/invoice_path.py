"""Following one invoice from finalize to the QBO HTTP call: which of our files the calls cross.

Two call stacks make the journey, with the database (the outbox row) between them:
1. the person's request: finalize → the push queue's outbox row (the doorbell is rung on commit);
2. the worker: the doorbell task → the HTTP request that creates the invoice in QuickBooks.
For each it prints our files on the call stack at that moment, in call order, and every "return to a file
already left": a call into a file that is already on the stack further down (A → B → A); library frames
are skipped, so client.py → python-quickbooks → client.py's session hook counts as one file. It also counts
every file any call entered on the way, helpers included. The customer and items are in QBO already, so
the path is the invoice's own (a new customer adds its own job, pushed first by the runner).

    .venv/bin/python bench/invoice_path.py
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
OURS = ("accounts", "customers", "invoicing", "integrations", "fsm")


def _ours(filename: str) -> str | None:
    try:
        rel = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return str(rel) if rel.parts[0] in OURS else None


class Tracer:
    """A profile hook: records the files our calls enter, and the stack when `stop_at` says so."""

    def __init__(self, stop_at: Callable[[types.FrameType], bool]) -> None:
        self.stop_at, self.entered, self.stack_files, self.reentries = stop_at, [], [], []  # type: ignore[var-annotated]

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        name = _ours(frame.f_code.co_filename)
        if name is None:
            return
        if not self.entered or self.entered[-1] != name:
            self.entered.append(name)
        below = self._stack(frame.f_back)
        if below and below[-1] != name and name in below:
            self.reentries.append(f"{' → '.join(below[below.index(name):])} → {name}")
        if not self.stack_files and self.stop_at(frame):
            # Consecutive frames of one file count once, also when a library sits between them
            # (python-quickbooks calling the session hook that client.py installs).
            self.stack_files = below if below and below[-1] == name else [*below, name]

    @staticmethod
    def _stack(frame: types.FrameType | None) -> list[str]:
        files: list[str] = []
        while frame is not None:
            name = _ours(frame.f_code.co_filename)
            if name is not None and (not files or files[0] != name):
                files.insert(0, name)
            frame = frame.f_back
        return files


def _report(title: str, tracer: Tracer) -> int:
    stack = tracer.stack_files
    print(f"\n{title}")
    for depth, name in enumerate(stack, 1):
        print(f"  {depth:2}. {name}")
    distinct = list(dict.fromkeys(stack))
    print(f"  files on the stack: {len(distinct)}   returns to a file already left: {len(stack) - len(distinct)}")
    print(f"  re-entries during the whole step: {len(tracer.reentries)}")
    for line in dict.fromkeys(tracer.reentries):
        print(f"    {line}")
    print(f"  files any call entered (helpers, models, selectors included): {len(set(tracer.entered))}")
    return len(distinct)


def main() -> None:
    os.environ.setdefault("BENCH_DATABASE_URL", "sqlite:///unused")  # an SQLite file of its own
    from _push_harness import django_ready, environment

    from qbo_sim.testing import SimulatorProcess

    with SimulatorProcess() as sim:
        environment("invoice_path", {"QBO_SIM_URL": sim.url})
        django_ready()
        from datetime import date, timedelta
        from decimal import Decimal

        from _push_workload import connected_org

        from customers.models import Customer
        from integrations.models import ExternalRef
        from integrations.push.tasks import push_doorbell
        from invoicing import lifecycle
        from invoicing.models import Product
        from invoicing.services import LineInput, invoice_create

        control = sim.control
        realm = control.create_company("Path Books")
        org = connected_org(control, realm)
        customer = Customer.objects.create(organization=org, display_name="Path Customer", email="p@example.com")
        product = Product.objects.create(organization=org, name="Service call", unit_price=Decimal("95.00"))
        push_doorbell()  # the customer and the item reach QBO first: the path below is the invoice's own
        invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                                 due_date=date.today() + timedelta(days=30),
                                 lines=[LineInput(description="Visit", quantity=Decimal(1), unit_price=Decimal(95),
                                                  product=product)])

        request = Tracer(lambda frame: frame.f_code.co_name == "upsert_open_job")
        sys.setprofile(request)
        lifecycle.invoice_finalize(invoice=invoice)
        sys.setprofile(None)

        def http_send(frame: types.FrameType) -> bool:
            url = frame.f_locals.get("url", "")
            return (frame.f_code.co_name == "request" and "qbo/client.py" in frame.f_code.co_filename
                    and "/invoice" in str(url))

        worker = Tracer(http_send)
        sys.setprofile(worker)
        push_doorbell()
        sys.setprofile(None)
        assert ExternalRef.objects.filter(object_type="invoice", local_id=invoice.pk).exists(), "invoice not pushed"

        a = _report("1. finalize → the outbox row (the person's request)", request)
        b = _report("2. the doorbell task → the HTTP call creating the invoice (the worker)", worker)
        union = list(dict.fromkeys(request.stack_files + worker.stack_files))
        print(f"\nfiles crossed from finalize to the HTTP call: {len(union)} ({a} + {b}, "
              f"{a + b - len(union)} shared); target: at most 8, no return to a file already left")


if __name__ == "__main__":
    main()
