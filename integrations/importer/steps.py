"""One slice of an initial sync: steps (a COUNT, a page, a chunk of creates) in phase order until the run
is finished or the slice's time is spent. Every step commits its records with the run's cursor, so the
next slice (on any worker) starts where this one stopped, reading no page twice.

The in-memory state a phase needs (the customer index, the item index, what is left to push) is built
from the database at the start of the slice, never from QBO reads: a slice costs a few queries, not pages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from integrations.importer.common import Ctx, names_save
from integrations.importer.customers import CustomerState, customers_step, load_state
from integrations.importer.items import ItemState, items_step
from integrations.importer.projects import ProjectState, projects_step
from integrations.importer.push import PushState, push_step
from integrations.models import SyncPreferences
from integrations.selectors import preferences_for

# The order matters: projects find their parent among the linked customers; the push knows every QBO name.
PHASES = ("customers", "items", "projects", "push")


def _enabled(prefs: SyncPreferences) -> dict[str, bool]:
    return {"customers": prefs.sync_customers, "items": prefs.sync_products, "projects": prefs.sync_projects,
            "push": prefs.sync_customers}


@dataclass
class _Slice:
    """States built lazily, once per slice, for the phases this slice reaches."""

    ctx: Ctx
    customers: CustomerState | None = None
    items: ItemState | None = None
    projects: ProjectState | None = None
    push: PushState | None = None
    pushed: bool = False

    def customer_state(self) -> CustomerState:
        if self.customers is None:
            self.customers = load_state(self.ctx)
        return self.customers

    def step(self, phase: str) -> None:
        ctx = self.ctx
        if phase == "customers":
            customers_step(ctx, self.customer_state())
        elif phase == "items":
            self.items = self.items or ItemState(ctx)
            items_step(ctx, self.items)
        elif phase == "projects":
            self.projects = self.projects or ProjectState(ctx, self.customer_state())
            projects_step(ctx, self.projects)
        else:
            self.push = self.push or PushState(ctx, self.customer_state())
            self.pushed = True
            push_step(ctx, self.customer_state(), self.push)


def _next_phase(current: str | None, enabled: dict[str, bool]) -> str | None:
    later = PHASES if current is None else PHASES[PHASES.index(current) + 1:]
    return next((p for p in later if enabled[p]), None)


def advance(ctx: Ctx, *, deadline: float | None) -> bool:
    """Steps until the run is finished (True) or, after a step, `deadline` (time.monotonic) has passed."""
    enabled = _enabled(preferences_for(organization=ctx.organization))
    work = _Slice(ctx)
    while True:
        phase = ctx.cursor.get("phase")
        if phase is None or ctx.cursor.get("finished") or not enabled.get(phase, False):
            phase = _next_phase(phase, enabled)
            if phase is None:
                return True
            # Written by the phase's first step (its COUNT commits the bar with the cursor).
            ctx.reporter.cursor = {"phase": phase}
        work.step(phase)
        ctx.reporter.steps += 1
        if deadline is not None and time.monotonic() >= deadline:
            if work.pushed:
                # Names sent in this slice: the next slice suffixes a second local customer of the same
                # name before sending (a miss would cost a 6240 and a lookup, not a duplicate).
                names_save(ctx, work.customer_state().qbo_names)
            return False
