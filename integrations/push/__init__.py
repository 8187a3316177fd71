"""The push queue (outbox): local changes → QBO, durable, idempotent, throttled, visible.

enqueue.py   sync_enqueue(): the one function domain writes call (via triggers.py signals)
policy.py    what may sync: preferences, syncable invoice statuses, the invoice trigger
runner.py    claim a due job fairly, push it, classify the outcome, back off or finish
handlers/    per object type: payload builders and the create/update/void calls
limiter.py   one limiter per QBO company shared by every worker (Redis, else the database)
batch.py     up to 30 like creates in one batch request under a backlog
worker.py    one worker step: claim fairly, batch when it pays, run
tasks.py     thin Celery tasks: the doorbell and the sweeper
selectors.py what people see: the per-invoice sync action, the queue banner
services.py  what people do: sync one invoice, retry one item, Sync All Pending
views.py, api.py, urls.py, display.py, log.py   the pages and API over those
"""
