"""A real HTTP server on 127.0.0.1 that serves fixture responses to real spiders.

Routes map a path (with its query string, if the route names one) to a list of responses;
each request takes the next one, the last repeats. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many spiders connect at once; the default 5 drops SYNs
    daemon_threads = True


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = False  # send an ETag and answer If-None-Match with 304
    delay: float = 0.0  # seconds to wait before answering (a slow server)
    gate: threading.Event | None = None  # if given, the answer waits until it is set
    content_length: bool = True  # False: no Content-Length, the body ends when the socket closes

    @classmethod
    def file(cls, path: Path | str, content_type: str, **kwargs: object) -> Reply:
        return cls(Path(path).read_bytes(), headers={"Content-Type": content_type}, **kwargs)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when the request arrived


class FixtureServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]

    def _reply_for(self, path: str) -> Reply:
        replies = self.routes.get(path) or self.routes.get(path.split("?")[0])
        if not replies:
            return Reply(b"not found", status=404)
        return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(Seen("GET", self.path, dict(self.headers)))
                reply = server._reply_for(self.path)
                headers = dict(reply.headers)
                status, body = reply.status, reply.body
                if reply.etag:
                    tag = '"' + hashlib.sha1(body).hexdigest() + '"'
                    headers["ETag"] = tag
                    if self.headers.get("If-None-Match") == tag:
                        status, body = 304, b""
                time.sleep(reply.delay)
                if reply.gate is not None:
                    reply.gate.wait(timeout=300)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if reply.content_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[FixtureServer]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
