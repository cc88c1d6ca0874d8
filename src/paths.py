"""Which client paths the Worker forwards, and where to.

Pure: no `js`, no `workers`, so CPython unit tests import it. The rule is an allowlist: a path is
forwarded only when every segment is plain ASCII from a small character set, no segment is a dot
segment (also percent-encoded), nothing is an encoded separator, and the first segment is an allowed
root. The target is always built from the configured origin, so nothing a client sends can change
the host the Worker talks to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

API_PREFIX = "/tasks-sse/api/"
OAUTH_PREFIX = "/tasks-sse/oauth/"
API_ROOTS = frozenset({"v1", "v1beta"})
# The only provider paths the page needs through the Worker (discovery, registration, token);
# the consent page itself is opened at the issuer.
OAUTH_PATHS = frozenset(
    {".well-known/oauth-authorization-server", "getKeys/register", "getKeys/token"}
)

MAX_PATH_CHARS = 2048
MAX_QUERY_CHARS = 8192

# RFC 3986 unreserved characters plus the sub-delimiters that are harmless in a path segment.
# Deliberately absent: ":" (scheme), "@" (userinfo), "\\", "%" (handled as escapes), whitespace,
# and ";" (servers and frameworks differ on path parameters: some cut the segment there, so the
# upstream could route a path other than the one checked here). A query may still carry ";".
_SEGMENT_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,=]*")
_QUERY_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%\[\]|^`{}\"<>]*")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


class PathRejected(Exception):
    """A path the Worker will not forward; `status` is 400 (malformed) or 404 (not proxied)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Target:
    url: str
    path: str  # the forwarded path, without origin and query


def _decode_segment(segment: str) -> str:
    """Percent-decode one segment, rejecting escapes that could change how it is routed."""
    out = []
    pos = 0
    for m in _ESCAPE.finditer(segment):
        plain = segment[pos : m.start()]
        if "%" in plain:
            raise PathRejected(400, "Malformed percent-encoding in path")
        out.append(plain)
        byte = int(m.group(1), 16)
        if byte in (0x2F, 0x5C):
            raise PathRejected(400, "Encoded slash or backslash in path")
        if byte == 0x25:
            raise PathRejected(400, "Double percent-encoding in path")
        if byte < 0x20 or byte == 0x7F:
            raise PathRejected(400, "Control character in path")
        if byte >= 0x80:
            raise PathRejected(400, "Non-ASCII character in path")
        out.append(chr(byte))
        pos = m.end()
    rest = segment[pos:]
    if "%" in rest:
        raise PathRejected(400, "Malformed percent-encoding in path")
    out.append(rest)
    return "".join(out)


def validate_path(rest: str) -> str:
    """Check the part after the Worker's prefix; return it unchanged when it is safe to forward.

    Raises PathRejected(400) for anything that could escape the upstream path space or confuse a
    URL parser further along, whatever the root.
    """
    if len(rest) > MAX_PATH_CHARS:
        raise PathRejected(400, "Path too long")
    if not rest:
        raise PathRejected(404, "Not found")
    for ch in rest:
        code = ord(ch)
        if code < 0x20 or code == 0x7F:
            raise PathRejected(400, "Control character in path")
        if code >= 0x80:
            raise PathRejected(400, "Non-ASCII character in path")
    if "\\" in rest:
        raise PathRejected(400, "Backslash in path")
    if rest.startswith("/") or "//" in rest:
        raise PathRejected(400, "Empty path segment (//) in path")
    segments = rest.split("/")
    for i, segment in enumerate(segments):
        if segment == "" and i == len(segments) - 1:
            continue  # a trailing slash is forwarded as sent
        if "@" in segment:
            raise PathRejected(400, "'@' in path")
        if ":" in segment:
            raise PathRejected(400, "Scheme or port in path")
        decoded = _decode_segment(segment)
        if decoded in (".", ".."):
            raise PathRejected(400, "Dot segment in path")
        if not _SEGMENT_CHARS.fullmatch(segment.replace("%", "")):
            raise PathRejected(400, "Disallowed character in path")
        if not _SEGMENT_CHARS.fullmatch(decoded):
            raise PathRejected(400, "Disallowed character in path")
    return rest


def validate_query(query: str) -> str:
    if len(query) > MAX_QUERY_CHARS:
        raise PathRejected(400, "Query string too long")
    if not _QUERY_CHARS.fullmatch(query):
        raise PathRejected(400, "Disallowed character in query string")
    return query


def normalise_origin(origin: str) -> str:
    """The configured origin as `scheme://host[:port]` plus any base path, no trailing slash."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise ValueError("origin must be an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise ValueError("origin must not carry a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _build(origin: str, path: str, query: str) -> Target:
    base = normalise_origin(origin)
    url = f"{base}/{path}" + (f"?{query}" if query else "")
    # Belt and braces: whatever happened above, the host is the configured one.
    if urlsplit(url).netloc != urlsplit(base).netloc:
        raise PathRejected(400, "Path would change the upstream host")
    return Target(url=url, path=path)


def api_target(rest: str, query: str, origin: str) -> Target:
    """Map `/tasks-sse/api/<rest>?<query>` onto the API origin, or raise PathRejected."""
    path = validate_path(rest)
    root = path.split("/", 1)[0]
    if root not in API_ROOTS:
        raise PathRejected(404, "Only /v1/ and /v1beta/ paths are proxied")
    return _build(origin, path, validate_query(query))


def oauth_target(rest: str, query: str, issuer: str) -> Target:
    """Map `/tasks-sse/oauth/<rest>` onto the OAuth issuer; only the allowlisted paths."""
    path = validate_path(rest)
    if path not in OAUTH_PATHS:
        raise PathRejected(404, "Not an OAuth endpoint the Worker forwards")
    return _build(issuer, path, validate_query(query))


# An absolute URL split as `scheme://authority rest`; anything looser is judged not to be one.
_ABSOLUTE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)", re.DOTALL)
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _authority(scheme: str, netloc: str) -> str:
    """Host and port, lowercased, without the scheme's default port (`:443` names no new host)."""
    netloc = netloc.lower()
    default = _DEFAULT_PORTS.get(scheme)
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc


def redirect_allowed(location: str, target_url: str) -> bool:
    """Whether a 3xx answer from `target_url` may pass its Location on to the client.

    Allowed: a reference relative to the upstream (a path, `?query`, `#fragment`) or an absolute
    URL on the upstream's own scheme, host and port. Everything else (another origin, a
    scheme-relative `//host`, `https:host`-style forms, backslashes, control characters or spaces
    that parsers treat differently) is refused: a browser following it would leave the upstream.
    """
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in location) or "\\" in location:
        return False
    if location.startswith("//"):
        return False
    if location.startswith("/") or not _HAS_SCHEME.match(location):
        return True  # path-absolute or relative: stays on the upstream's host
    absolute = _ABSOLUTE.fullmatch(location)
    if absolute is None:
        return False
    scheme, netloc = absolute.group(1).lower(), absolute.group(2)
    target = urlsplit(target_url)
    if scheme != target.scheme.lower() or "@" in netloc or not netloc:
        return False
    return _authority(scheme, netloc) == _authority(scheme, target.netloc)


def upstream_refusal(status: int, location: str | None, upstream_url: str) -> str | None:
    """Why an upstream answer must not reach the client (the Worker answers 502), or None.

    A status outside 200-599 (a 101 protocol switch) is no answer a client can take; a 3xx whose
    Location leaves the upstream's origin would send the client's browser elsewhere.
    """
    if not 200 <= status <= 599:
        return f"Upstream answered with status {status}"
    redirect = 300 <= status <= 399 and location is not None
    if redirect and not redirect_allowed(location, upstream_url):
        return "Upstream redirected to another origin"
    return None


def split_request_url(url: str) -> tuple[str, str]:
    """The raw (still percent-encoded) path and query of a request URL."""
    parts = urlsplit(url)
    return parts.path, parts.query
