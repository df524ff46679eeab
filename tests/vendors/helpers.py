"""A loopback source whose answer the test changes between checks."""

from __future__ import annotations

from werkzeug import Response

from vendors.models import StatusSource
from vendors.services import source_check


class ChangingAnswer:
    """Serves `body` (bytes) at `path` of a pytest-httpserver; set `.body` / `.status` to change it."""

    def __init__(self, httpserver, path: str, body: bytes = b"{}", content_type: str = "application/json"):
        self.body, self.status, self.content_type, self.requests = body, 200, content_type, []
        self.url = httpserver.url_for(path)
        httpserver.expect_request(path).respond_with_handler(self._answer)

    def _answer(self, request):
        self.requests.append(request)
        return Response(self.body, status=self.status, content_type=self.content_type)


def make_source(kind: str, url: str, *, vendor=None, config=None, **fields) -> StatusSource:
    source = StatusSource(name=fields.pop("name", f"{kind} source"), kind=kind, url=url, vendor=vendor,
                          config=config or {}, interval=fields.pop("interval", 60), **fields)
    source.full_clean()
    source.save()
    return source


def check(source: StatusSource):
    """Check once and return (result, the changes of this check)."""
    result = source_check(source=source)
    source.refresh_from_db()
    changes = list(source.changes.filter(batch=result.batch).order_by("id")) if result.batch else []
    return result, changes
