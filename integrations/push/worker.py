"""One step of a worker: claim the next due job fairly (and a batch of like creates when it pays), run it."""

from __future__ import annotations

from integrations.push.batch import batch_claim, batch_run
from integrations.push.claim import job_claim_next
from integrations.push.runner import job_run


def run_next() -> int:
    """How many jobs ran (0: nothing was due)."""
    job = job_claim_next()
    if job is None:
        return 0
    more = batch_claim(job)
    if more:
        batch_run([job, *more])
    else:
        job_run(job)
    return 1 + len(more)
