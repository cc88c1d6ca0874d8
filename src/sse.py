"""Server-Sent Events: an incremental parser and a frame writer. Pure.

The parser follows the HTML Living Standard's "event stream interpretation": CR, LF and CRLF line
ends (also split across chunks), one leading BOM stripped, comments ignored, `field:value` with an
optional single space, multi-line data, an id containing U+0000 ignored, retry digits only, a block
without data dispatches nothing, and an unterminated last block is dropped.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    type: str
    data: str
    last_event_id: str


class EventTooLarge(ValueError):
    """One line, or one event's data, passed the parser's `max_event_chars`."""


_LINE_END = re.compile(r"[\r\n]")


class SSEParser:
    """Feed decoded text in arbitrary chunks; `on_event` fires once per dispatched event.

    Linear in the input however it is chunked: a partial line is kept as a list of pieces and
    only new text is searched for line ends. With `max_event_chars`, a line or an event's data
    longer than that raises EventTooLarge instead of growing without bound.
    """

    def __init__(
        self,
        on_event: Callable[[Event], None],
        on_retry: Callable[[int], None] | None = None,
        max_event_chars: int | None = None,
    ):
        self._on_event = on_event
        self._on_retry = on_retry
        self._max = max_event_chars
        self._partial: list[str] = []  # pieces of the line not yet ended
        self._partial_len = 0
        self._started = False
        self._pending_cr = False  # the last chunk ended in CR: a following LF belongs to it
        self._data: list[str] = []
        self._data_len = 0
        self._has_data = False
        self._type = ""
        self._last_event_id = ""

    def feed(self, text: str) -> None:
        if not text:
            return
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        if self._pending_cr:
            self._pending_cr = False
            if text.startswith("\n"):
                text = text[1:]
        start = 0
        length = len(text)
        for m in _LINE_END.finditer(text):
            end = m.start()
            if end < start:  # the LF of a CRLF already consumed
                continue
            if text[end] == "\r":
                if end + 1 < length:
                    nxt = end + 2 if text[end + 1] == "\n" else end + 1
                else:
                    nxt = end + 1
                    self._pending_cr = True
            else:
                nxt = end + 1
            piece = text[start:end]
            if self._partial:
                self._partial.append(piece)
                piece = "".join(self._partial)
                self._partial = []
                self._partial_len = 0
            self._check(len(piece))
            self._line(piece)
            start = nxt
        if start < length:
            rest = text[start:]
            self._partial_len += len(rest)
            self._check(self._partial_len)
            self._partial.append(rest)

    def _check(self, size: int) -> None:
        if self._max is not None and size > self._max:
            raise EventTooLarge(f"an event stream line over {self._max} characters")

    def end(self) -> None:
        """The stream ended: an unterminated block is discarded, as the standard says."""
        self._partial = []
        self._partial_len = 0
        self._reset_block()

    def _reset_block(self) -> None:
        self._data = []
        self._data_len = 0
        self._has_data = False
        self._type = ""

    def _line(self, line: str) -> None:
        if line == "":
            self._dispatch()
            return
        if line.startswith(":"):
            return
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data_len += len(value) + 1
            self._check(self._data_len)
            self._data.append(value)
            self._has_data = True
        elif field == "event":
            self._type = value
        elif field == "id":
            if "\x00" not in value:
                self._last_event_id = value
        elif field == "retry" and value.isascii() and value.isdigit() and self._on_retry:
            self._on_retry(int(value))

    def _dispatch(self) -> None:
        if not self._has_data:
            self._reset_block()
            return
        event = Event(self._type or "message", "\n".join(self._data), self._last_event_id)
        self._reset_block()
        self._on_event(event)


class ByteSSEParser:
    """The same parser fed raw bytes: UTF-8 decoded incrementally (split characters are fine)."""

    def __init__(
        self,
        on_event: Callable[[Event], None],
        on_retry: Callable[[int], None] | None = None,
        max_event_chars: int | None = None,
    ):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.parser = SSEParser(on_event, on_retry, max_event_chars)

    def feed(self, chunk: bytes) -> None:
        self.parser.feed(self._decoder.decode(chunk))

    def end(self) -> None:
        self.parser.feed(self._decoder.decode(b"", final=True))
        self.parser.end()


def _clean(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def format_event(event_type: str | None, data: str, event_id: str | None = None) -> str:
    """One SSE frame. Multi-line data becomes several data lines; names and ids lose line ends."""
    lines = []
    if event_type:
        lines.append(f"event: {_clean(event_type)}")
    if event_id is not None:
        lines.append(f"id: {_clean(event_id).replace(chr(0), '')}")
    for part in data.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.append(f"data: {part}")
    return "\n".join(lines) + "\n\n"


def format_comment(text: str = "keepalive") -> str:
    return f": {_clean(text)}\n\n"
