"""QBO projects (IsProject) and sub-customers (Job = true with a ParentRef) -> local projects, under the
local customer that their QBO parent (or, for nested jobs, their top-level ancestor) is linked to.

Projects are only read: v3 cannot create QBO projects, so local projects are never pushed from here.
A job whose parent comes later in the sweep waits in the run's cursor (not in memory), so the phase can
stop after any page and a later slice settles it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

from customers.models import Project
from integrations.importer.common import Ctx, PageWrites, names_save, next_page, page_read, phase_count
from integrations.importer.customers import CustomerState
from integrations.importer.matching import normalize_name
from integrations.models import ExternalRef, ObjectType

JOBS = "Job = true"
NO_PARENT = ("Its parent customer is not linked here (it is waiting for review, was skipped, or is inactive in "
             "QuickBooks); it is imported once the parent is.")


class ProjectState:
    """What the project phase knows: built from the database at the start of each slice."""

    def __init__(self, ctx: Ctx, customers: CustomerState) -> None:
        self.customer_refs = customers.qbo_to_local
        self.qbo_names = customers.qbo_names
        refs = dict(ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.PROJECT)
                    .values_list("qbo_id", "local_id"))
        self.project_refs = refs
        self.index: dict[tuple[int, str], list[int]] = defaultdict(list)
        owner_of: dict[int, int] = {}
        for pk, customer_id, name in Project.objects.for_org(ctx.organization).values_list("id", "customer_id", "name"):
            self.index[(customer_id, normalize_name(name))].append(pk)
            owner_of[pk] = customer_id
        self.taken = set(refs.values())
        # qbo id of a linked project -> its local customer, so a job nested under a job finds its customer.
        self.project_customer = {qid: owner_of[pk] for qid, pk in refs.items() if pk in owner_of}

    def customer_for(self, row: dict[str, Any]) -> int | None:
        parent = str((row.get("ParentRef") or {}).get("value") or "")
        return self.customer_refs.get(parent) or self.project_customer.get(parent)


def _row(ctx: Ctx, st: ProjectState, writes: PageWrites, new: list[tuple[Project, dict[str, Any]]],
         row: dict[str, Any]) -> bool:
    """False: the parent is not known yet (it may come later in the sweep)."""
    qid, name = str(row["Id"]), str(row.get("DisplayName", ""))
    rep = ctx.reporter
    if qid in st.project_refs:
        rep.count("unchanged")
        return True
    customer_id = st.customer_for(row)
    if customer_id is None:
        return False
    key = (customer_id, normalize_name(name))
    cands = st.index.get(key, [])
    if not cands:
        new.append((Project(organization=ctx.organization, customer_id=customer_id, name=name[:200],
                            description=str(row.get("Notes") or "")), row))
        st.index[key].append(-1)  # a twin later in the sweep is not created a second time
        rep.count("created_here")
    elif len(cands) == 1 and cands[0] not in st.taken and cands[0] > 0:
        writes.link(cands[0], row)
        st.taken.add(cands[0])
        _mapped(st, qid, cands[0], customer_id)
        rep.count("linked")
    else:
        rep.note("skipped", "projects", name, "Several local projects of this customer have this name, or the one "
                 "that does is already linked to another QuickBooks project; link it by hand.")
    return True


def _mapped(st: ProjectState, qid: str, project_id: int, customer_id: int) -> None:
    st.project_refs[qid] = project_id
    st.project_customer[qid] = customer_id


def _write(ctx: Ctx, st: ProjectState, rows: list[dict[str, Any]],
           moved: Callable[[list[dict[str, Any]]], None]) -> list[dict[str, Any]]:
    """Decide and write rows; returns those whose parent is still unknown. `moved(waiting)` moves the
    cursor inside the same transaction."""
    waiting: list[dict[str, Any]] = []
    with transaction.atomic():
        writes = PageWrites(ctx, ObjectType.PROJECT)
        new: list[tuple[Project, dict[str, Any]]] = []
        for row in rows:
            st.qbo_names.add(normalize_name(str(row.get("DisplayName", ""))))
            if not _row(ctx, st, writes, new, row):
                waiting.append(row)
        Project.objects.bulk_create([p for p, _ in new], batch_size=500)
        for project, row in new:
            key = (project.customer_id, normalize_name(project.name))
            st.index[key] = [pk for pk in st.index[key] if pk > 0] + [project.pk]
            st.taken.add(project.pk)
            writes.link(project.pk, row)
            _mapped(st, str(row["Id"]), project.pk, project.customer_id)
        moved(waiting)
        writes.save("projects", len(rows) - len(waiting))
        names_save(ctx, st.qbo_names)
    return waiting


def projects_step(ctx: Ctx, st: ProjectState) -> None:
    """One step: the COUNT, the next page, or (after the last page) settling the jobs that waited."""
    ctx.reporter.doing = "reading projects"
    cur = ctx.cursor
    if "start" not in cur:
        cur["waiting"] = []
        phase_count(ctx, "projects", "Customer", JOBS)
        return
    if not cur.get("read_all"):
        rows, last = next_page(ctx, "Customer", JOBS)

        def moved(waiting: list[dict[str, Any]]) -> None:
            page_read(ctx, False)
            cur["waiting"] = list(cur["waiting"]) + waiting
            cur["read_all"] = last

        _write(ctx, st, rows, moved)
        return
    # Jobs whose parent job came later in the sweep: settle them now, deepest nesting last.
    waiting: list[dict[str, Any]] = list(cur["waiting"])
    while waiting:
        still = _write(ctx, st, waiting, lambda rest: cur.update(waiting=rest))
        if len(still) == len(waiting):
            break
        waiting = still
    with transaction.atomic():
        for row in waiting:
            ctx.reporter.note("skipped", "projects", str(row.get("DisplayName", "")), NO_PARENT)
        ctx.reporter.advance("projects", len(waiting))
        ctx.reporter.finish("projects")
        cur.update(waiting=[], finished=True)
        ctx.reporter.flush()
