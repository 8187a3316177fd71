"""The field-by-field merge of a QBO record with ours, shared by the inbound sync (a change from QuickBooks)
and the push queue (QBO refused our update as stale, 5010). It decides and saves what QuickBooks wins; when
ours wins somewhere it says so (`MergeResult.push_needed`) and the caller decides whether to queue a push.
It imports neither push nor inbound.

rules.py    FieldSpec, merge(): the three-way rule per field (ours, theirs, last agreed base)
change.py   Change: one QBO entity as read back, and QBO's timestamps
context.py  ApplyContext: connection, preferences, mappings cache and the conflict log
fields.py   merge_into / commit / take_all / echo_seen: apply a merge to a local record
specs.py    the fields that merge for customers and items
remote.py   what the push queue calls: merge QBO's current record before our update; remember what we pushed
"""
