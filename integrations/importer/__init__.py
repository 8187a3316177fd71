"""The initial sync on connect: import QBO customers, items and projects, match instead of duplicating,
and create in QBO the local customers it lacks. Entry points: `services.import_request`,
`tasks.import_run_task` (one slice, then re-queued) / `run.import_execute` (to the end, in the foreground),
`review.review_decide`, and the selectors in `selectors.py`."""
