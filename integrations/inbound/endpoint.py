"""POST /hooks/quickbooks/ — where Intuit delivers webhooks. No login and no CSRF token: the
intuit-signature HMAC is the authentication, checked over the raw bytes before anything is parsed.

Answers at once (Intuit counts anything slower than 3 s as a failure and retries): the events are stored
in this request's transaction and a Celery doorbell rings after it commits; the work happens there."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.inbound.tasks import inbound_doorbell
from integrations.inbound.webhooks import MAX_BODY_BYTES, MalformedWebhook, events_store, parse, signature_valid

log = logging.getLogger(__name__)


def _ring_doorbell() -> None:
    try:
        inbound_doorbell.delay()
    except Exception:  # a lost doorbell loses nothing: the events sweep finds the stored rows
        log.warning("inbound doorbell could not be sent; the sweep will process the events", exc_info=True)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def quickbooks_webhook(request: HttpRequest) -> JsonResponse:
    token = settings.QBO_WEBHOOK_VERIFIER_TOKEN
    if not token:
        return _error(503, "Webhooks are not configured here (QBO_WEBHOOK_VERIFIER_TOKEN is empty).")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Bad Content-Length.")
    if length > MAX_BODY_BYTES:
        return _error(413, f"Payload larger than {MAX_BODY_BYTES} bytes.")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _error(413, f"Payload larger than {MAX_BODY_BYTES} bytes.")
    if not signature_valid(body, request.headers.get("intuit-signature"), token):
        log.warning("QuickBooks webhook refused: bad or missing intuit-signature")
        return _error(401, "Invalid intuit-signature.")
    try:
        delivery = parse(body)
    except MalformedWebhook as exc:
        return _error(400, str(exc))
    # The readable events are stored even when others are refused: answering 400 makes Intuit deliver the
    # whole body again, and the stored ones then dedupe, so nothing valid is lost and nothing doubles.
    stored = events_store(events=delivery.events)
    if stored:
        transaction.on_commit(_ring_doorbell)
    answer: dict[str, object] = {"received": len(delivery.events), "stored": stored}
    if delivery.rejected:
        log.warning("QuickBooks webhook: %d event(s) refused: %s", len(delivery.rejected), delivery.rejected[:5])
        answer |= {"error": f"{len(delivery.rejected)} event(s) could not be read.", "rejected": delivery.rejected[:20]}
        return JsonResponse(answer, status=400)
    return JsonResponse(answer)
