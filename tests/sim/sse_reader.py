"""A small, independent SSE reader for the simulator tests (not the simulator's own code)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass
class Event:
    type: str
    data: str

    @property
    def json(self) -> dict:
        return json.loads(self.data)


class SSEReader:
    """Feed decoded text in any chunks; collects dispatched events (event/data fields only)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._buf = ""
        self._type = ""
        self._data: list[str] = []

    def feed(self, text: str) -> list[Event]:
        self._buf += text
        new: list[Event] = []
        while True:
            cut = min(
                (i for i in (self._buf.find("\r"), self._buf.find("\n")) if i >= 0), default=-1
            )
            if cut < 0:
                return new
            line = self._buf[:cut]
            skip = 2 if self._buf[cut : cut + 2] == "\r\n" else 1
            self._buf = self._buf[cut + skip :]
            if line == "":
                if self._data:
                    ev = Event(self._type or "message", "\n".join(self._data))
                    self.events.append(ev)
                    new.append(ev)
                self._type, self._data = "", []
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                self._type = value
            elif name == "data":
                self._data.append(value)


def read_stream(
    client, url: str, headers: dict | None = None, limit: int | None = None, timeout: float = 60.0
) -> tuple[int, list[Event], str]:
    """GET an SSE stream to its end (or `limit` events). Returns (status, events, raw text)."""
    reader = SSEReader()
    raw = []
    with client.stream("GET", url, headers=headers, timeout=timeout) as r:
        if r.status_code != 200:
            r.read()
            return r.status_code, [], r.text
        for chunk in r.iter_text():
            raw.append(chunk)
            reader.feed(chunk)
            if limit is not None and len(reader.events) >= limit:
                break
    return 200, reader.events, "".join(raw)
