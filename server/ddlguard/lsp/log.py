"""Logging for the server: stderr and `window/logMessage`, never stdout (stdout is the protocol)."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}
_MESSAGE_TYPES = (
    (logging.ERROR, types.MessageType.Error),
    (logging.WARNING, types.MessageType.Warning),
    (logging.INFO, types.MessageType.Info),
)


class WindowLogHandler(logging.Handler):
    """Forwards `ddlguard` records to the client's output panel, from any thread."""

    def __init__(self, server: LanguageServer) -> None:
        super().__init__()
        self.server = server
        self.loop: asyncio.AbstractEventLoop | None = None
        self._local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._local, "busy", False) or self.loop is None or self.loop.is_closed():
            return
        kind = next(
            (t for level, t in _MESSAGE_TYPES if record.levelno >= level), types.MessageType.Log
        )
        params = types.LogMessageParams(type=kind, message=self.format(record))
        try:
            self._local.busy = True
            if threading.current_thread() is threading.main_thread():
                self.server.window_log_message(params)
            else:
                self.loop.call_soon_threadsafe(self.server.window_log_message, params)
        except Exception:  # the transport may be gone at exit; stderr still has the record
            pass
        finally:
            self._local.busy = False


def setup_logging(server: LanguageServer, level: str = "info") -> WindowLogHandler:
    """stderr for everything (WARNING for pygls), the client's log for ddlguard's records."""
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(fmt)
    root = logging.getLogger()
    root.handlers = [stderr]
    root.setLevel(logging.WARNING)
    window = WindowLogHandler(server)
    window.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    ours = logging.getLogger("ddlguard")
    ours.handlers = [window]
    ours.setLevel(LEVELS.get(level, logging.INFO))
    return window


def set_level(level: str) -> None:
    logging.getLogger("ddlguard").setLevel(LEVELS.get(level, logging.INFO))
