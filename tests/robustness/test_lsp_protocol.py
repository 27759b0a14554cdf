"""The server answers every request, over stdio with raw JSON-RPC bytes (issue 12 item 12).

Invalid params get InvalidParams (-32602), requests after `shutdown` InvalidRequest (-32600),
unreadable JSON ParseError (-32700); an absurd `Content-Length` is refused without allocating
and the next message is still answered; the server stays up until `exit`.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0


class RawClient:
    """The server process and a thread splitting its stdout into messages."""

    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO / "server")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ddlguard", "lsp"],
            cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line in (b"\r\n", b"\n") and length is not None:
                    break
            self.messages.put(json.loads(out.read(length)))

    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: Any) -> None:
        body = json.dumps(message).encode()
        self.send_bytes(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, msg_id: int | str, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})

    def answer(self, msg_id: int | str | None) -> dict[str, Any]:
        """The response with `msg_id`, answering the server's own requests on the way."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                message = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if "method" in message and "id" in message:  # the server asks (configuration...)
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if "method" not in message and message.get("id") == msg_id:
                return message
        raise AssertionError(f"no answer to request {msg_id!r} within {TIMEOUT} s")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[RawClient]:
    raw = RawClient(tmp_path)
    raw.request(1, "initialize", {"processId": None, "rootUri": tmp_path.as_uri(),
                                  "capabilities": {}})  # fmt: skip
    assert "result" in raw.answer(1)
    raw.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    yield raw
    raw.close()


def _hover(uri: str, line: Any, character: Any) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def _code(response: dict[str, Any]) -> int:
    assert "error" in response, response
    return int(response["error"]["code"])


def test_invalid_params_get_invalid_params(client: RawClient, tmp_path: Path) -> None:
    uri = (tmp_path / "m.py").as_uri()
    client.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}}})  # fmt: skip
    bad = [
        _hover(uri, -1, 0),
        _hover(uri, 0, -5),
        _hover(uri, "zero", 0),
        _hover(uri, 0.5, None),
        {"textDocument": "not an object", "position": {"line": 0, "character": 0}},
        {"position": {"line": 0, "character": 0}},
        5,
        [1, 2],
    ]
    for n, params in enumerate(bad, start=10):
        client.request(n, "textDocument/hover", params)
        assert _code(client.answer(n)) == -32602, params
    for n, method in enumerate(["textDocument/documentLink", "textDocument/definition",
                                "textDocument/codeAction", "textDocument/references"], start=30):  # fmt: skip
        client.request(n, method, {"textDocument": {"uri": 7}})
        assert _code(client.answer(n)) == -32602, method
    client.request("s-1", "textDocument/hover", _hover(uri, 0, 0))  # still answering
    assert "result" in client.answer("s-1")


def test_unreadable_messages_are_answered_and_the_server_goes_on(client: RawClient) -> None:
    body = b"{not json"
    client.send_bytes(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert _code(client.answer(None)) == -32700
    client.send([1, 2, 3])
    assert _code(client.answer(None)) == -32600
    client.send({"jsonrpc": "2.0", "id": 50, "method": 12})
    assert _code(client.answer(50)) == -32600
    client.request(51, "no/suchMethod", {})
    assert _code(client.answer(51)) == -32601
    client.request(52, "shutdown")
    assert client.answer(52).get("result", "missing") is None


def test_an_absurd_content_length_is_refused_without_allocating(client: RawClient) -> None:
    client.send_bytes(b"Content-Length: 99999999999\r\n\r\n")
    client.send_bytes(b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n")  # a header over the limit
    client.request(60, "shutdown")  # the next well-formed message is read and answered
    assert client.answer(60).get("result", "missing") is None
    assert client.proc.poll() is None
    status = Path(f"/proc/{client.proc.pid}/status")
    if status.exists():
        rss = next(
            int(x.split()[1]) for x in status.read_text().splitlines() if x.startswith("VmRSS")
        )
        assert rss < 1_000_000, f"{rss} KiB resident: the length was allocated"


def test_requests_after_shutdown_get_invalid_request_until_exit(client: RawClient) -> None:
    client.request(70, "shutdown")
    assert client.answer(70).get("result", "missing") is None
    for n, method in enumerate(["textDocument/hover", "shutdown", "initialize"], start=71):
        client.request(n, method, _hover("file:///x.py", 0, 0))
        assert _code(client.answer(n)) == -32600, method
    time.sleep(0.2)
    assert client.proc.poll() is None  # up until exit
    client.send({"jsonrpc": "2.0", "method": "exit"})
    assert client.proc.wait(TIMEOUT) == 0
