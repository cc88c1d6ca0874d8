"""Request limits the simulator enforces beyond the Task API's own validation rules."""

from __future__ import annotations

MAX_BODY_BYTES = 16 * 2**20  # an API request body (413 past it)
# JSON nesting deeper than this is refused (422) before anything walks it.
MAX_JSON_DEPTH = 64
MAX_OAUTH_BODY_BYTES = 64 * 2**10  # /getKeys/register and the form posts
MAX_OAUTH_CLIENTS = 10_000  # registrations kept; the oldest goes first past this
MAX_REDIRECT_URIS = 20  # per registration
