"""The initial sync on connect: import QBO customers, items and projects, match instead of duplicating,
and create in QBO the local customers it lacks. Entry points: `run.import_request` / `run.import_execute`,
`review.review_decide`, and the selectors in `selectors.py`."""
