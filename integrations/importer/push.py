"""Local customers QBO lacks -> created in QBO, 30 to a batch request.

Exactly one QBO record per local customer, even if the process dies at any point:
- an ImportIntent (local id + the exact name sent) is committed before each request, so a rerun links
  the record it finds under that name instead of creating it again;
- each batch carries a requestid derived from its content (QBO replays the first answer to a repeat),
  each single create one derived from the local id and name;
- names already known in QBO get a " (n)" suffix before sending, and a 6240 (the name is taken by a
  vendor, an employee or an inactive customer) is looked up: the same customer by email is linked,
  anything else gets a suffixed name, recorded in the summary.
Every create sent is written to the sync log (SyncAttempt) with its outcome, like the push queue's.

One step sends one chunk of 30. The cursor holds the chunk and which of its customers are finished, so a
slice that stops on a 429 or a 5xx resumes the chunk: a customer that already has an intent is sent again
with the intent's name, in the same kind of request (batch, or single when the intent says so), so the
retry carries the same requestid and QBO replays the first answer instead of creating a second record.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from integrations.importer.common import Ctx
from integrations.importer.customers import CustomerState
from integrations.importer.matching import normalize_email, normalize_name
from integrations.models import ExternalRef, ImportIntent, ObjectType, SyncAttempt
from integrations.push.currency import currency_of
from integrations.push.handlers.customer import customer_create_payload
from integrations.qbo.errors import QboDuplicateName, QboValidation
from integrations.qbo.limiter import BatchWindowFull
from integrations.qbo.names import qbo_name, suffixed

BATCH_SIZE = 30  # QBO's recommended maximum per batch request
MAX_SUFFIX = 20
# The request_id of the intents of a chunk that goes as single creates: a resumed chunk goes the same way
# (each single's requestid is derived from its body), never as a batch of creates already made one by one.
SINGLES = "singles"


def batch_patience(size: int) -> float:
    """How long a chunk waits for a place in QBO's batch window before it goes as single creates: as long as
    its singles would take under the request budget (30 at 8 a second: 3.75 s). A window that opens sooner
    is worth the wait; sending 30 singles instead held the batches back until they were done (measured: the
    last chunks of singles ran seconds past the window's opening, and the tail of batches after them)."""
    return size / (settings.QBO_RATE_PER_MINUTE / 60.0)


def _digest(value: object, n: int) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:n]


def _single(request_id: str) -> bool:
    """An intent of a single create: the chunk went one by one, or a renamed create."""
    return request_id == SINGLES or request_id.startswith("imp-c")


def free_name(base: str, known: set[str]) -> str:
    """The first "Name (n)" (n >= 2) whose normalized form QBO does not hold yet."""
    for n in range(2, MAX_SUFFIX + 2):
        name = suffixed(base, n)
        if normalize_name(name) not in known:
            return name
    return suffixed(base, MAX_SUFFIX + 2)


class _Pusher:
    def __init__(self, ctx: Ctx, st: CustomerState, intents: dict[int, tuple[str, str]]) -> None:
        self.ctx, self.st = ctx, st
        # local id -> (name sent, request_id) of the creates an earlier slice of this run may have sent.
        self.sent_before = intents
        self.known = st.qbo_names  # every name seen in QBO, plus every name we send
        self.refs: list[ExternalRef] = []
        self.finished: list[int] = []
        self.attempts: list[SyncAttempt] = []
        self.sent_at, self.sent_t0 = timezone.now(), time.monotonic()

    def sending(self) -> None:
        """A create request is about to go: the sync log's start time of what it decides."""
        self.sent_at, self.sent_t0 = timezone.now(), time.monotonic()

    def logged(self, customer: Customer, outcome: str, *, qbo_id: str = "", message: str = "") -> None:
        call = self.ctx.client.last_call
        self.attempts.append(SyncAttempt(
            connection=self.ctx.connection, object_type=ObjectType.CUSTOMER, local_id=customer.pk,
            operation="import", outcome=outcome, http_status=call.http_status, intuit_tid=call.intuit_tid,
            message=message[:2000], qbo_id=qbo_id, started_at=self.sent_at,
            duration_ms=int((time.monotonic() - self.sent_t0) * 1000)))

    def plan(self, customer: Customer) -> tuple[dict[str, Any], str]:
        """The payload and the plain name it wanted (different when it had to be suffixed)."""
        body = customer_create_payload(self.ctx.connection, customer)
        wanted = body["DisplayName"] or qbo_name(f"Customer {customer.pk}", 500)
        if customer.pk in self.sent_before:
            body["DisplayName"] = self.sent_before[customer.pk][0]  # the same body as before: the same requestid
        elif normalize_name(wanted) in self.known:
            body["DisplayName"] = free_name(wanted, self.known)
        else:
            body["DisplayName"] = wanted
        self.known.add(normalize_name(body["DisplayName"]))
        return body, wanted

    def intents(self, planned: list[tuple[Customer, dict[str, Any], str]], request_id: str) -> None:
        if not planned:
            return
        with transaction.atomic():
            ids = [c.pk for c, _, _ in planned]
            ImportIntent.objects.filter(connection=self.ctx.connection, object_type=ObjectType.CUSTOMER,
                                        local_id__in=ids).delete()
            ImportIntent.objects.bulk_create([
                ImportIntent(connection=self.ctx.connection, object_type=ObjectType.CUSTOMER, local_id=c.pk,
                             name=body["DisplayName"], request_id=request_id) for c, body, _ in planned])

    def done(self, customer: Customer, entity: dict[str, Any] | None, *, renamed_from: str = "",
             failed: str = "", linked: bool = False) -> None:
        """Record one outcome; written by the next commit()."""
        rep, name = self.ctx.reporter, customer.display_name
        if entity is not None:
            self.refs.append(ExternalRef(connection=self.ctx.connection, object_type=ObjectType.CUSTOMER,
                                         local_id=customer.pk, qbo_id=str(entity["Id"]),
                                         sync_token=str(entity.get("SyncToken", "")), last_synced_at=timezone.now(),
                                         qbo_currency=currency_of(entity)))
            self.st.index.take(customer.pk)
            rep.count("linked" if linked else "created_in_qbo")
            message = "Initial sync."
            if renamed_from:
                message = (f"Created in QuickBooks as “{entity.get('DisplayName')}”: “{renamed_from}” is already "
                           "used there by another customer, a vendor or an employee.")
                rep.note("renamed", "push", name, message)
            self.logged(customer, "link" if linked else "create", qbo_id=str(entity["Id"]), message=message)
        else:
            rep.note("failed", "push", name, failed)
            self.logged(customer, "error", message=failed)
        self.finished.append(customer.pk)
        rep.advance("push", 1)

    def commit(self) -> None:
        """Mappings, spent intents, progress and the cursor in one transaction: a batch's worth of queries,
        not a row's. Once every customer of the chunk is finished, the cursor moves past it."""
        cur = self.ctx.cursor
        done = [*cur.get("done", []), *self.finished]
        if set(cur.get("chunk", [])) <= set(done):
            cur.update(after=max([cur.get("after", 0), *cur.get("chunk", [])]), chunk=[], done=[])
        else:
            cur["done"] = done
        with transaction.atomic():
            ExternalRef.objects.bulk_create(self.refs)
            SyncAttempt.objects.bulk_create(self.attempts)
            ImportIntent.objects.filter(connection=self.ctx.connection, object_type=ObjectType.CUSTOMER,
                                        local_id__in=self.finished).delete()
            self.ctx.reporter.flush()
        self.refs, self.finished, self.attempts = [], [], []

    def skip(self, ids: list[int]) -> None:
        """Customers of the chunk mapped meanwhile (the push queue) or deleted: counted, nothing sent."""
        self.finished += ids
        self.ctx.reporter.advance("push", len(ids))

    def batch(self, customers: list[Customer]) -> None:
        planned = [(c, *self.plan(c)) for c in customers]
        if any(_single(self.sent_before.get(c.pk, ("", ""))[1]) for c in customers):
            # This chunk went one by one before it stopped: it goes on that way (the same requestids).
            self.intents([p for p in planned if p[0].pk not in self.sent_before], SINGLES)
            self.singles(planned)
            return
        items = [{"bId": str(i), "operation": "create", "Customer": body} for i, (_, body, _) in enumerate(planned)]
        request_id = f"imp-{_digest([self.ctx.connection.realm_id, items], 31)}"
        self.intents(planned, request_id)
        answers = self.send(items, request_id)
        if answers is None:
            ImportIntent.objects.filter(connection=self.ctx.connection, object_type=ObjectType.CUSTOMER,
                                        local_id__in=[c.pk for c in customers]).update(request_id=SINGLES)
            self.singles(planned)
            return
        by_bid = {str(a.get("bId")): a for a in answers}
        collisions = []
        for i, (customer, body, wanted) in enumerate(planned):
            answer = by_bid.get(str(i), {})
            errors = (answer.get("Fault") or {}).get("Error") or []
            if "Customer" in answer:
                self.done(customer, answer["Customer"], renamed_from=wanted if body["DisplayName"] != wanted else "")
            elif errors and str(errors[0].get("code")) == "6240":
                collisions.append((customer, body, wanted))
            else:
                detail = "; ".join(f"{e.get('Message', '')} {e.get('Detail', '')}".strip() for e in errors)
                self.done(customer, None, failed=f"QuickBooks refused it: {detail or 'no answer for this record'}")
        self.commit()
        for customer, body, wanted in collisions:
            self.collision(customer, body, wanted)

    def send(self, items: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]] | None:
        """The batch's answers; None when QBO's batch window is full (nothing was sent): send singles."""
        self.sending()
        try:
            return self._batch(items, request_id)
        except QboValidation:
            # A refusal of the whole batch created nothing. It may be QBO replaying its answer to an earlier
            # send of this requestid that was cut off mid-body (a killed process): only a fresh id gets this
            # batch itself looked at. The intents are committed, so this cannot create twice either.
            return self._batch(items, request_id + "r")

    def singles(self, planned: list[tuple[Customer, dict[str, Any], str]]) -> None:
        """QBO meters reads and batch requests, not single writes: while the batch window is full the
        chunk goes one create per request under the 500/minute budget instead of waiting up to a minute.
        The intents (by name) are committed already, so an interrupted chunk is linked, not created twice."""
        collisions = []
        try:
            for customer, body, wanted in planned:
                request_id = f"imp-c{customer.pk}-{_digest([self.ctx.connection.realm_id, body], 16)}"
                self.sending()
                try:
                    entity = self.ctx.client.create("Customer", body, request_id=request_id)
                except QboDuplicateName:
                    collisions.append((customer, body, wanted))
                    continue
                except QboValidation as exc:
                    self.done(customer, None, failed=f"QuickBooks refused it: {exc.message} {exc.detail}".strip())
                    continue
                self.done(customer, entity, renamed_from=wanted if body["DisplayName"] != wanted else "")
        finally:
            # A 429 or a 5xx ends the slice: what was created before it is mapped now, not created again.
            self.commit()
        for customer, body, wanted in collisions:
            self.collision(customer, body, wanted)

    def _batch(self, items: list[dict[str, Any]], rid: str) -> list[dict[str, Any]] | None:
        # When QBO's batch window is full for longer than a moment the chunk goes as single creates.
        try:
            return self.ctx.client.batch(items, request_id=rid, patience=batch_patience(len(items)))
        except BatchWindowFull:
            return None  # nothing was sent (our limiter said no before the request)

    def collision(self, customer: Customer, body: dict[str, Any], wanted: str) -> None:
        """QBO says the name is taken by something we could not see (inactive customer, vendor, employee)."""
        name = body["DisplayName"]
        rows = self.ctx.client.find_by("Customer", "DisplayName", name, include_inactive=True)
        mine = normalize_email(customer.email)
        same = [r for r in rows if mine and normalize_email((r.get("PrimaryEmailAddr") or {}).get("Address")) == mine]
        mapped = set(ExternalRef.objects.filter(connection=self.ctx.connection, object_type=ObjectType.CUSTOMER,
                                                qbo_id__in=[str(r["Id"]) for r in same]).values_list("qbo_id", flat=True))
        if len(same) == 1 and str(same[0]["Id"]) not in mapped:
            self.done(customer, same[0], linked=True)  # provably the same customer: same name and email
            self.commit()
            return
        self.known.add(normalize_name(name))
        self.create_renamed(customer, body, wanted)

    def create_renamed(self, customer: Customer, body: dict[str, Any], wanted: str) -> None:
        for _ in range(MAX_SUFFIX):
            name = free_name(wanted, self.known)
            self.known.add(normalize_name(name))
            attempt = {**body, "DisplayName": name}
            request_id = f"imp-c{customer.pk}-{_digest([self.ctx.connection.realm_id, attempt], 16)}"
            self.intents([(customer, attempt, wanted)], request_id)
            self.sending()
            try:
                entity = self.ctx.client.create("Customer", attempt, request_id=request_id)
            except QboDuplicateName:
                continue  # that suffix is taken too (by something invisible to queries): next one
            except QboValidation as exc:
                self.done(customer, None, failed=f"QuickBooks refused it: {exc.message} {exc.detail}".strip())
                self.commit()
                return
            self.done(customer, entity, renamed_from=wanted)
            self.commit()
            return
        self.done(customer, None, failed=f"No free name like “{wanted} (n)” was found in QuickBooks.")
        self.commit()


def customers_to_push(ctx: Ctx, st: CustomerState, *, after: int = 0) -> list[int]:
    """Active local customers with no QBO counterpart, minus those waiting on (or skipped in) review."""
    ids = (Customer.objects.for_org(ctx.organization).filter(is_active=True, pk__gt=after).order_by("pk")
           .values_list("pk", flat=True))
    return [pk for pk in ids.iterator(chunk_size=5000) if pk not in st.index.taken and pk not in st.review_blocked]


class PushState:
    """The push phase's part of a slice: what is left to send (one query per slice) and the intents an
    earlier slice left (the creates it may have sent)."""

    def __init__(self, ctx: Ctx, st: CustomerState) -> None:
        cur = ctx.cursor
        last = max([int(cur.get("after", 0)), *cur.get("chunk", [])])
        self.queue = customers_to_push(ctx, st, after=last) if "after" in cur else []
        intents = ImportIntent.objects.filter(connection=ctx.connection, object_type=ObjectType.CUSTOMER)
        self.pusher = _Pusher(ctx, st, {local_id: (name, rid) for local_id, name, rid in
                                        intents.values_list("local_id", "name", "request_id")})


def push_step(ctx: Ctx, st: CustomerState, ps: PushState) -> None:
    """One step of the push phase: its total, or one chunk of up to 30 (batch, or singles while QBO's
    batch window is full), committed with the cursor."""
    ctx.reporter.doing = "creating customers in QuickBooks"
    cur = ctx.cursor
    if "after" not in cur:
        ps.queue = customers_to_push(ctx, st)
        cur.update(after=0, chunk=[], done=[])
        ctx.reporter.start("push", len(ps.queue))
        return
    if not cur.get("chunk"):
        cur["chunk"], ps.queue = ps.queue[:BATCH_SIZE], ps.queue[BATCH_SIZE:]
    chunk = [int(pk) for pk in cur["chunk"]]
    if not chunk:
        ctx.reporter.finish("push")
        cur["finished"] = True
        ctx.reporter.flush()
        return
    finished = set(cur.get("done", []))
    todo = [pk for pk in chunk if pk not in finished]
    # Re-read the mapping just before sending: the push queue may have linked some meanwhile.
    mapped = set(ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.CUSTOMER,
                                            local_id__in=todo).values_list("local_id", flat=True))
    customers = [c for c in Customer.objects.filter(pk__in=todo).order_by("pk") if c.pk not in mapped]
    ps.pusher.skip(sorted(set(todo) - {c.pk for c in customers}))
    if customers:
        ps.pusher.batch(customers)
    else:
        ps.pusher.commit()
