"""A real HTTP/1.1 server on 127.0.0.1 for integration tests, scripted per test.

Each scripted reply is a status, headers and a list of body parts (bytes, or a float to sleep
that many seconds, or ``DISCONNECT`` to drop the connection). Bodies are sent with chunked
transfer encoding so that streams arrive incrementally. The server counts the connections it
accepted, so tests can tell whether the client's pool reused them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DISCONNECT = object()


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    parts: Sequence[object] = ()


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[Reply] = []
        self.default: Reply | None = None
        self.requests: list[Recorded] = []
        self.connections = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def get_request(self) -> tuple[socket.socket, object]:
        conn, address = super().get_request()
        # Without this, Nagle and delayed ACKs stall each small chunked write by ~40 ms.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.lock:
            self.connections += 1
        return conn, address

    def next_reply(self) -> Reply:
        with self.lock:
            if self.script:
                return self.script.pop(0)
            if self.default is not None:
                return self.default
        return Reply(500, {"content-type": "application/json"}, [b'{"error": "unscripted"}'])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(
            Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        reply = self.server.next_reply()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for part in reply.parts:
                if part is DISCONNECT:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(part, float | int):
                    time.sleep(part)
                    continue
                assert isinstance(part, bytes)
                if part:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST


@contextmanager
def loopback_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
