"""stdlib HTTP/1.1 server with keep-alive. One thread per connection; the handler parses the
request, hands it to ``Simulator.handle`` and writes the answer in a single send."""

from __future__ import annotations

import os
import socket
import ssl
import struct
import sys
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import errors
from .sim import Simulator
from .web import Headers, Request, Response, from_error, json_response

MAX_BODY = 20 * 1024 * 1024
MAX_LINE = 65536
MAX_HEADERS = 100
_DATE: list[object] = [0, ""]
# socketserver's request type; a TCP server's requests are always sockets.
Connection = socket.socket | tuple[bytes, socket.socket]


def _http_date() -> str:
    now = int(time.time())
    if _DATE[0] != now:
        _DATE[0], _DATE[1] = now, formatdate(now, usegmt=True)
    return str(_DATE[1])


def intuit_tid() -> str:
    # QBO puts intuit_tid on every response; support asks for it (§2.2).
    return f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qbo-sim"
    sys_version = ""
    server: SimServer
    # Our own parse (handle_one_request), not the stdlib's email.Message in ``self.headers``.
    request_headers: Headers

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle_one_request(self) -> None:
        """A lean replacement for the stdlib's parser (which builds an email.Message per
        request): the request line plus ``name: value`` headers into a case-insensitive dict."""
        try:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                self.close_connection = True
                return
            parts = line.decode("latin-1").split()
            if len(line) > MAX_LINE or len(parts) != 3 or not parts[2].startswith("HTTP/"):
                self._bad_request()
                return
            self.command, self.path, self.request_version = parts
            headers = Headers()
            while True:
                raw = self.rfile.readline(MAX_LINE + 1)
                if raw in (b"\r\n", b"\n", b""):
                    break
                name, _, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
                if len(headers) > MAX_HEADERS or len(raw) > MAX_LINE:
                    self._bad_request()
                    return
            self.request_headers = headers
            conn = (headers.get("connection") or "").lower()
            self.close_connection = conn == "close" or (self.request_version == "HTTP/1.0" and conn != "keep-alive")
            if (headers.get("expect") or "").lower() == "100-continue":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self._serve()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _bad_request(self) -> None:
        self.close_connection = True
        self._write(json_response({"error": "bad_request"}, 400))

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if (self.request_headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.request_headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise errors.ApiError(413, errors.fault_body("2010", "Request body too large", str(length)))
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        started = time.perf_counter()
        sim = self.server.sim
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        req = Request(self.command, split.path, query, self.request_headers, b"", self.client_address[0])
        try:
            req.body = self._read_body()
            resp = sim.handle(req)
        except errors.ApiError as exc:
            resp = from_error(exc)
        except ValueError:
            resp = json_response({"error": "bad_request"}, 400)
        except Exception:  # noqa: BLE001 - never leak a stack trace to the client
            traceback.print_exc(file=sys.stderr)
            resp = from_error(errors.system_error(500, "System Failure Error: internal simulator error"))
        if resp.action in ("drop", "timeout"):
            self._drop()
        else:
            self._write(resp)
        sim.log_request(req, resp, (time.perf_counter() - started) * 1000)

    def _write(self, resp: Response) -> None:
        reason = HTTPStatus(resp.status).phrase if resp.status in HTTPStatus._value2member_map_ else ""
        lines = [f"HTTP/1.1 {resp.status} {reason}", f"Content-Type: {resp.content_type}",
                 f"Content-Length: {len(resp.body)}", f"intuit_tid: {intuit_tid()}", f"Date: {_http_date()}",
                 "Server: qbo-sim"]
        lines += [f"{k}: {v}" for k, v in resp.headers]
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")
        body = b"" if self.command == "HEAD" else resp.body
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def _drop(self) -> None:
        """Commit-then-drop / timeout: reset the connection so the client sees no response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, sim: Simulator, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        self.sim, self.tls = sim, tls
        super().__init__((host, port), Handler)
        bound_port = self.server_address[1]
        shown = host if host not in ("", "0.0.0.0") else "127.0.0.1"
        sim.base_url = f"{'https' if tls else 'http'}://{shown}:{bound_port}"

    def finish_request(self, request: Connection, client_address: object) -> None:
        if self.tls is not None and isinstance(request, socket.socket):
            # The TLS handshake runs in the connection's own thread, not the accept loop.
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Connection, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)
