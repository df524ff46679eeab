"""Real HTTP peers on loopback for the Slack and webhook channels: a Slack incoming-webhook stand-in
and a webhook receiver that verifies the Standard Webhooks signature with the `standardwebhooks`
library, as a team's receiver would. Each answers a scripted list of statuses first (500, 429 with
Retry-After...), then 200. Used by the tests and by bench/latency.py."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Arrival:
    at: float  # time.monotonic()
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what we answered
    verified: bool | None = None  # webhook receivers: whether the signature checked out

    def json(self):
        return json.loads(self.body)


class Receiver:
    """A ThreadingHTTPServer on 127.0.0.1 that records every POST and answers the script first.

    With `secret` set (a webhook receiver), a POST whose Standard Webhooks signature does not verify
    is answered 401 and recorded with `verified=False`; the script applies to verified ones only.
    """

    def __init__(self, *, script: list[Answer] | None = None, secret: str | None = None, path: str = "/hook"):
        self.script = list(script or [])
        self.secret = secret
        self.path = path
        self.arrivals: list[Arrival] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                answer = receiver._answer(self.path, headers, body)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        at = time.monotonic()
        verified = None
        with self.lock:
            if path != self.path:
                answer = Answer(404, body=b"no_service")
            elif self.secret is not None and not self._verifies(headers, body):
                verified, answer = False, Answer(401, body=b"bad signature")
            else:
                verified = True if self.secret is not None else None
                answer = self.script.pop(0) if self.script else Answer(200, body=b"ok")
            self.arrivals.append(Arrival(at, path, headers, body, answer.status, verified))
        return answer

    def _verifies(self, headers: dict[str, str], body: bytes) -> bool:
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def accepted(self) -> list[Arrival]:
        with self.lock:
            return [arrival for arrival in self.arrivals if 200 <= arrival.status < 300]
