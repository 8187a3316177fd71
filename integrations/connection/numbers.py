"""The Invoice numbers section of the QuickBooks page and its API: the connection's side of
push/number_choices.py (which QBO client to use, what a person is told when QuickBooks does not answer)."""

from __future__ import annotations

import requests
from django.contrib.auth.models import User

from integrations.models import DocNumberClash, ExternalRef, QuickBooksConnection
from integrations.push.number_choices import (
    PrefixOutcome,
    doc_number_clash_link,
    doc_number_prefix_use,
    doc_numbers_recheck,
)
from integrations.qbo.errors import QboError, with_reference
from integrations.qbo.tokens import client_for

# What reaching QuickBooks may raise here: its refusals, and a network that did not answer.
QBO_FAILURES = (QboError, requests.RequestException)


def numbers_failure(exc: Exception) -> str:
    """Plain words and Intuit's request id, never QBO's raw answer; for the page and the API alike."""
    if isinstance(exc, QboError):
        return with_reference(f"QuickBooks refused the look-up ({exc.message}).", exc.call.intuit_tid)
    return "QuickBooks did not answer; try again shortly."


def numbers_check(*, connection: QuickBooksConnection) -> list[DocNumberClash]:
    return doc_numbers_recheck(connection=connection, client=client_for(connection))


def number_link(*, connection: QuickBooksConnection, clash_id: int, actor: User | None) -> ExternalRef:
    return doc_number_clash_link(connection=connection, client=client_for(connection), clash_id=clash_id,
                                 actor=actor)


def number_prefix(*, connection: QuickBooksConnection, prefix: str, renumber: bool,
                  actor: User | None) -> PrefixOutcome:
    return doc_number_prefix_use(connection=connection, prefix=prefix, renumber=renumber, actor=actor)


def prefix_message(outcome: PrefixOutcome) -> str:
    said = f"New invoices are numbered with the prefix “{outcome.prefix}” from now on."
    if outcome.renumbered:
        said += " Renumbered: " + ", ".join(f"{old} → {new}" for old, new in outcome.renumbered) + "; they are on "\
                "their way to QuickBooks."
    if outcome.kept:
        said += " Kept: " + " ".join(outcome.kept) + " Link it, or renumber QuickBooks' invoice there, then " \
                "check again."
    return said
