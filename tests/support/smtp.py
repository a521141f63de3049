"""A small SMTP server on 127.0.0.1 for tests (RFC 5321 without extensions but AUTH PLAIN):
it accepts every mail and keeps it, with the sign-in it was sent under."""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    login: str | None


@dataclass
class SmtpServer:
    port: int = 0
    mails: list[Received] = field(default_factory=list)
    logins: dict[str, str] = field(default_factory=dict)  # user -> password it accepts


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 lotse-test ESMTP")
        sender, recipients, login = "", [], None
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-lotse-test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
            elif verb == "AUTH":
                parts = line.split()
                given = parts[2] if len(parts) > 2 else ""
                if not given:
                    self.reply("334 ")
                    given = self.rfile.readline().decode().strip()
                _, user, password = base64.b64decode(given).decode().split("\0")
                if self.server.smtp.logins.get(user) == password:
                    login = user
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    body += chunk[1:] if chunk.startswith(b"..") else chunk
                parsed = message_from_bytes(bytes(body), policy=policy.default)
                self.server.smtp.mails.append(
                    Received(sender, recipients, parsed, login)  # type: ignore[arg-type]
                )
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    smtp: SmtpServer


@contextmanager
def smtp_server(logins: dict[str, str] | None = None) -> Iterator[SmtpServer]:
    """An SMTP server on an ephemeral loopback port, running while the block runs."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.smtp = SmtpServer(server.server_address[1], logins=dict(logins or {}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.smtp
    finally:
        server.shutdown()
        server.server_close()
