"""Log filters that keep the console readable (settings.LOGGING).

- An ordinary refusal (403, 404, 400 ...) is one WARNING line from `django.request`, without the
  traceback of the PermissionDenied or Http404 that produced it: those are answers, not faults.
- The development server's access line for a `/healthz` probe answered 503 (the worker is still
  starting) is INFO, not ERROR: monitoring polls it and reads the status itself.
"""

import logging


class QuietExpectedResponses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name == "django.request" and isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        elif record.name == "django.server" and status == 503 and _is_probe(record):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _is_probe(record: logging.LogRecord) -> bool:
    request = getattr(record, "request", None)
    line = getattr(request, "requestline", "") if request is not None else ""
    if not line and record.args:
        line = str(record.args[0])
    parts = line.split()
    return len(parts) >= 2 and parts[1].split("?")[0].rstrip("/") == "/healthz"
