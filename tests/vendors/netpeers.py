"""Small raw TCP peers for the outbound guard's tests: a listener that only counts connections,
and a server that trickles its answer one byte at a time."""

from __future__ import annotations

import socket
import threading
import time


class CountingListener:
    """Accepts connections on 127.0.0.1 and counts them; the guard's tests expect zero."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


class TricklingServer:
    """Answers every connection with `head` then `body`, one byte every `delay` seconds (the head at
    once unless `trickle_head`)."""

    def __init__(self, *, head: bytes, body: bytes = b"x" * 10_000, delay: float = 0.2, trickle_head: bool = True):
        self.head, self.body, self.delay, self.trickle_head = head, body, delay, trickle_head
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _serve(self, conn):
        try:
            conn.recv(65536)
            if not self.trickle_head:
                conn.sendall(self.head)
            for chunk in (self.head, self.body) if self.trickle_head else (self.body,):
                for i in range(len(chunk)):
                    if self._stop.is_set():
                        return
                    conn.sendall(chunk[i : i + 1])
                    time.sleep(self.delay)
        except OSError:
            pass
        finally:
            conn.close()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
