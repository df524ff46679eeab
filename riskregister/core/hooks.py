"""Inbound webhooks: a status page pushing an update for one of our sources (vendors/push.py).

Status pages count any answer other than 2xx as a failed delivery and unsubscribe after a few, so
every push we accept is a 202, even one coalesced into a check already due. The token is checked
before anything else: an unknown source, a source without a push URL and a wrong token are the
same 404. No session, no CSRF token: the secret in the URL is the only authentication.
"""

import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from vendors import push
from vendors.models import PushOutcome

logger = logging.getLogger(__name__)


def _answer(status: int, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


@csrf_exempt
@never_cache
def source_push(request, source_uuid, token: str):
    source = push.source_for_push(source_uuid=source_uuid, token=token)
    if source is None:
        return _answer(404, "Not found.")
    if not source.enabled:
        return _answer(410, "This source is disabled; remove the subscription.")
    if request.method != "POST":
        response = _answer(405, "Only POST is accepted.")
        response["Allow"] = "POST"
        return response
    cap = settings.CHECKS_PUSH_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(400, "The Content-Length header is not a number.", field="Content-Length")
    if declared > cap:
        return _answer(413, f"The body is larger than {cap} bytes.", field="body")
    body = request.read(cap + 1)
    if len(body) > cap:
        return _answer(413, f"The body is larger than {cap} bytes.", field="body")
    try:
        update = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _answer(400, "The body is not JSON.", field="body")
    if not isinstance(update, dict):
        return _answer(400, "The body must be a JSON object.", field="body")
    if not push.push_accept(source_id=source.id):
        return _answer(410, "This source is disabled; remove the subscription.")
    # The sweep tick would find the source within a few seconds; enqueueing its check saves them.
    # Only the push that made the source due enqueues, so a burst is one task, not a thousand.
    if push.last_outcome(source_id=source.id) == PushOutcome.SCHEDULED:
        from vendors.tasks import check_due_sources

        try:
            check_due_sources.delay_on_commit([source.id])
        except Exception as exc:  # broker down: the sweep tick checks the source, the push still counts
            logger.warning("Could not enqueue the check of pushed source %s: %s", source.id, exc)
    return _answer(202, "Accepted: the source will be checked.")
