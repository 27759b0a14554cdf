"""The JSON-RPC layer under pygls, made to answer every request and survive every header.

pygls 2.1 drops three kinds of input without a word: a request whose params do not structure
(a negative position, a wrong type) raises inside its reader and gets no reply; a request
after `shutdown` is logged and ignored; a `Content-Length: 99999999999` header makes the
reader ask for that many bytes at once (MemoryError ends the server). An editor waiting for
the reply hangs. Here, in one place:

- `read_messages` replaces pygls's stdio loop: header lines are read with a bounded length,
  a length over `MAX_CONTENT_LENGTH` is refused without allocating (the reader then skips to
  the next header), invalid JSON gets ParseError, a non-object InvalidRequest;
- `DdlguardProtocol` answers a request it cannot structure with InvalidParams (-32602), and
  any request after `shutdown` with InvalidRequest (-32600); the server stays up until `exit`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("ddlguard.lsp")

# a document is at most a few MB of text (JSON escapes can double it); far above any editor's
MAX_CONTENT_LENGTH = 256 * 1024 * 1024
MAX_HEADER_LINE = 4096
_CONTENT_LENGTH = re.compile(rb"Content-Length: *(\d+)\r?\n", re.IGNORECASE)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


def _request_id(data: dict[str, Any]) -> int | str | None:
    """The id to answer with: the request's own when it is one JSON-RPC allows, else null."""
    msg_id = data.get("id")
    if isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
        return None
    return msg_id


class DdlguardProtocol(LanguageServerProtocol):
    """pygls's language server protocol, answering what it would drop."""

    def reply_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        # `ResponseErrorMessage` requires an id; JSON-RPC answers an unreadable one with null
        self._send_data(
            {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
        )

    def receive(self, data: Any) -> None:
        """One decoded JSON value from the client: structured and handled, or answered."""
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
            if isinstance(data, dict) and "method" in data and "id" in data:
                self.reply_error(_request_id(data), INVALID_REQUEST, "not a JSON-RPC 2.0 request")
            elif not isinstance(data, dict):
                self.reply_error(None, INVALID_REQUEST, "a message must be a JSON object")
            return
        method = data.get("method")
        is_request = "id" in data and method is not None
        if is_request and not isinstance(method, str):
            self.reply_error(_request_id(data), INVALID_REQUEST, "method must be a string")
            return
        if is_request and self._shutdown and method != types.EXIT:
            self.reply_error(_request_id(data), INVALID_REQUEST, "the server is shutting down")
            return
        try:
            message = self.structure_message(data)
        except Exception as exc:
            if is_request:
                self.reply_error(_request_id(data), INVALID_PARAMS, f"invalid params for {method}")
            else:
                log.warning("dropped an unreadable %s message: %s", method or "response", exc)
            return
        self.handle_message(message)

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        is_request = method is not None and hasattr(message, "id")
        if self._shutdown and is_request and method != types.EXIT:
            self.reply_error(message.id, INVALID_REQUEST, "the server is shutting down")
            return
        super().handle_message(message)


class BoundedReader:
    """Blocking reads from stdin in a worker thread, never more than asked and bounded.

    `next_body` reads a whole message (its headers, then its body) in one call, so a message
    costs one hop to the worker thread and one wake-up of the event loop, not one per header
    line: on a loaded machine each hop can wait for a core.
    """

    def __init__(self, stdin: BinaryIO, executor: ThreadPoolExecutor) -> None:
        self._stdin = stdin
        self._executor = executor

    async def next_body(self) -> bytes | None:
        """The next message's body; None at the end of the input."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._next_body)

    def _next_body(self) -> bytes | None:
        length: int | None = None
        skipping = False  # after a refused length: look for the next header
        while True:
            line = self._stdin.readline(MAX_HEADER_LINE)
            if not line:
                return None
            if skipping:
                found = _CONTENT_LENGTH.search(line)
                if found is None:
                    continue
                skipping, line = False, line[found.start() :]
            if length is None:
                match = _CONTENT_LENGTH.fullmatch(line)
                if match is not None:
                    announced = int(match.group(1)) if len(match.group(1)) < 20 else -1
                    if 0 <= announced <= MAX_CONTENT_LENGTH:
                        length = announced
                    else:
                        log.error(
                            "refused a message of %s bytes (limit %d)",
                            match.group(1)[:30].decode(),
                            MAX_CONTENT_LENGTH,
                        )
                        skipping = True
                continue
            if line.strip():
                continue  # another header (Content-Type)
            return self._read_all(length)

    def _read_all(self, n: int) -> bytes:
        chunks: list[bytes] = []
        left = n
        while left > 0:
            chunk = self._stdin.read(min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


async def read_messages(
    stop: threading.Event, reader: BoundedReader, protocol: DdlguardProtocol
) -> None:
    """The stdio loop: headers, then a body of the announced length, until EOF or `stop`."""
    while not stop.is_set():
        body = await reader.next_body()
        if body is None:
            return
        try:
            data = json.loads(body)
        except ValueError:
            protocol.reply_error(None, PARSE_ERROR, "the message is not valid JSON")
            continue
        try:
            protocol.receive(data)
        except Exception:
            log.exception("a message could not be handled")
