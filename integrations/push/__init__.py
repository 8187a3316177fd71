"""The push queue (outbox): local changes → QBO, durable, idempotent, throttled, visible.

enqueue.py   sync_enqueue(): the one function domain writes call (via triggers.py signals)
policy.py    what may sync: preferences, syncable invoice statuses, the invoice trigger
runner.py    claim a due job fairly, push it, classify the outcome, back off or finish
handlers/    per object type: payload builders and the create/update/void calls
limiter.py   one limiter per QBO company shared by every worker (Redis, else the database)
tasks.py     thin Celery tasks: the doorbell and the sweeper
"""
