"""The push queue (outbox): local changes → QBO, durable, idempotent, throttled, visible.

enqueue.py   sync_enqueue(): the one function domain writes reach (post_save receivers connected here)
outbox.py    the object's open outbox row: created, or coalesced into the open one
policy.py    what may sync: preferences, syncable invoice statuses, the invoice trigger
tasks.py     thin Celery tasks: the doorbell (one worker step: claim fairly, batch when it pays, run)
             and the sweeper
claim.py     claiming due jobs: fair across companies, safe across workers
runner.py    run a claimed job: push its needs first, then the object; classify the outcome
             through the QBO core's retry policy; back off or finish
handlers/    per object type: what it needs first, the payload, the create/update/void calls
refs.py      the mapping written after QBO accepted our write (single and batch alike)
batch.py     up to 30 like creates in one batch request under a backlog
sweeper.py   due-work count and pruning of old log rows
selectors.py what people see: the per-invoice sync action, the queue banner
services.py  what people do: sync one invoice, retry one item, Sync All Pending
views.py, api.py, urls.py, display.py, log.py, errors_text.py   the pages and API over those
The per-company limiter, the client and the retry policy are the QBO core's (integrations/qbo).
"""
