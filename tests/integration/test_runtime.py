"""The local runtime itself (runtime/server.mjs), with a small Worker of the test's own.

Covers what the runtime promises independently of src/worker.py: wrangler.toml / .dev.vars /
environment precedence, imports between the Worker's modules, run_worker_first routing with the
asset fallthrough, Workers Static Assets behaviour with `_headers`, the ASSETS binding, the
ExecutionContext, a Python exception becoming a bare 500, and clear start-up failures.
"""

from __future__ import annotations

import os
import socket
import subprocess
import textwrap
import threading
import time

import httpx
import pytest

from tests.support.servers import ROOT, start_worker

WORKER = """
import asyncio
import json

import js
from pyodide.ffi import to_js
from workers import Response, WorkerEntrypoint, patch_env

import helper

SIGNALS = {}


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = "/" + request.url.split("/", 3)[3].split("?")[0]
        if path == "/api/boom":
            raise RuntimeError("kaboom-detail")
        if path == "/api/asset":
            origin = request.url.split("/api/")[0]
            return await self.env.ASSETS.fetch(origin + "/app.js")
        if path == "/api/missing-asset":
            origin = request.url.split("/api/")[0]
            return await self.env.ASSETS.fetch(origin + "/docs/missing.txt")
        if path == "/api/hold":
            key = request.url.split("key=")[1]
            await asyncio.sleep(1.0)
            SIGNALS[key] = bool(request.js_object.signal.aborted)
            return Response("held")
        if path == "/api/signal":
            key = request.url.split("key=")[1]
            return Response(json.dumps(SIGNALS.get(key)))
        if path == "/api/fetch":
            options = to_js({"redirect": "manual"}, dict_converter=js.Object.fromEntries)
            upstream = await js.fetch(str(self.env.PARALLEL_API_ORIGIN) + "/x", options)
            return Response(await upstream.text())
        if path == "/api/patched":
            with patch_env(GREETING="patched"):
                inside = self.env.GREETING
            return Response(json.dumps({"inside": inside, "after": self.env.GREETING}))
        if path == "/api/ctx":
            tag = str(js.Object.prototype.toString.call(self.ctx))
            return Response(json.dumps({"tag": tag, "waitUntil": hasattr(self.ctx, "waitUntil")}))
        body = {
            "path": path,
            "method": str(request.js_object.method),
            "GREETING": self.env.GREETING,
            "OTHER": self.env.OTHER,
            "NUMBER": self.env.NUMBER,
            "helper": helper.NAME,
            "body": await request.text() if str(request.js_object.method) == "POST" else None,
        }
        return Response(json.dumps(body), headers={"content-type": "application/json",
                                                   "x-from": "worker"})
"""

HEADERS_FILE = """\
# rules for the test site
/*
  X-Frame-Options: DENY
  X-Test: all
/docs/*
  X-Test: docs
  ! X-Frame-Options
/files/:name
  X-Name: :name
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "src").mkdir()
    (root / "src" / "worker.py").write_text(WORKER)
    (root / "src" / "helper.py").write_text('NAME = "helper-module"\n')
    (root / "wrangler.toml").write_text(
        textwrap.dedent("""\
        name = "runtime-test"
        main = "src/worker.py"  # the entry module
        compatibility_flags = ["python_workers"]

        [assets]
        directory = "public"
        binding = "ASSETS"
        run_worker_first = [
          "/api/*",
          "!/api/static/*",
        ]

        [vars]
        PARALLEL_API_ORIGIN = ""
        GREETING = "from-toml"
        OTHER = 'from-toml'
        NUMBER = 42
        """)
    )
    (root / ".dev.vars").write_text('# local secrets\nGREETING="from-dev-vars"\n')
    public = root / "public"
    for rel, text in {
        "index.html": "<!doctype html><title>home</title>",
        "docs/index.html": "<!doctype html><title>docs</title>",
        "page.html": "<!doctype html><title>page</title>",
        "app.js": "export const x = 1;\n",
        "style.css": "body { color: black; }\n",
        "data.json": "{}",
        "files/report.txt": "report",
        "api/shadowed.txt": "an asset the Worker shadows",
        "api/static/plain.txt": "an asset under a negated pattern",
        "_headers": HEADERS_FILE,
    }.items():
        (public / rel).parent.mkdir(parents=True, exist_ok=True)
        (public / rel).write_text(text)
    return root


class RawUpstream:
    """A loopback HTTP server that keeps the raw head of each request and answers "ok"."""

    def __init__(self):
        self.heads: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    data = conn.recv(65536)
                    if not data:
                        break
                    head += data
                self.heads.append(head)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    def stop(self):
        self._sock.close()


@pytest.fixture(scope="module")
def raw_upstream():
    server = RawUpstream()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def runtime(site, log_dir, raw_upstream):
    server = start_worker(
        log_dir,
        upstream=raw_upstream.url,
        env={"WRANGLER_CONFIG": str(site / "wrangler.toml"), "OTHER": "from-env"},
    )
    yield server
    server.stop()


def get(runtime, path, **kw):
    return httpx.get(runtime.url + path, follow_redirects=False, **kw)


def test_vars_come_from_toml_then_dev_vars_then_environment(runtime):
    body = get(runtime, "/api/vars").json()
    assert body["GREETING"] == "from-dev-vars"
    assert body["OTHER"] == "from-env"
    assert body["NUMBER"] == 42  # a non-string var keeps its type, as with wrangler
    assert body["helper"] == "helper-module"  # sibling modules import as on workerd


def test_patch_env_overrides_for_a_block_only(runtime):
    assert get(runtime, "/api/patched").json() == {"inside": "patched", "after": "from-dev-vars"}


def test_request_body_reaches_the_worker(runtime):
    r = httpx.post(runtime.url + "/api/echo", content=b"hello body")
    assert r.json()["body"] == "hello body"


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/page", "text/html; charset=utf-8"),
        ("/docs/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/files/report.txt", "text/plain; charset=utf-8"),
    ],
)
def test_assets_are_served_with_their_content_type(runtime, path, ctype):
    r = get(runtime, path)
    assert r.status_code == 200
    assert r.headers["content-type"] == ctype
    assert "x-from" not in r.headers
    assert r.headers["etag"]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/docs", "/docs/"),
        ("/docs/index.html", "/docs/"),
        ("/page.html", "/page"),
        ("/docs?x=1", "/docs/?x=1"),
    ],
)
def test_assets_redirect_to_the_canonical_url_with_307(runtime, path, location):
    r = get(runtime, path)
    assert r.status_code == 307
    assert r.headers["location"] == location


def test_headers_rules_apply_merge_detach_and_substitute(runtime):
    home = get(runtime, "/")
    assert home.headers["x-frame-options"] == "DENY"
    assert home.headers["x-test"] == "all"
    docs = get(runtime, "/docs/")
    assert docs.headers["x-test"] == "all, docs"
    assert "x-frame-options" not in docs.headers
    assert get(runtime, "/files/report.txt").headers["x-name"] == "report.txt"


def test_conditional_and_head_requests(runtime):
    first = get(runtime, "/app.js")
    again = get(runtime, "/app.js", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    head = httpx.head(runtime.url + "/app.js")
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(first.content))


def test_asset_miss_falls_through_to_the_worker(runtime):
    r = get(runtime, "/no-such-file")
    assert r.headers["x-from"] == "worker"
    assert r.json()["path"] == "/no-such-file"
    # Configuration files of the assets directory are never served as assets.
    assert get(runtime, "/_headers").headers.get("x-from") == "worker"


def test_run_worker_first_patterns_route_before_assets(runtime):
    shadowed = get(runtime, "/api/shadowed.txt")
    assert shadowed.headers["x-from"] == "worker"
    plain = get(runtime, "/api/static/plain.txt")
    assert plain.text == "an asset under a negated pattern"
    posted = httpx.post(runtime.url + "/app.js", content=b"x")  # only GET/HEAD are assets
    assert posted.headers["x-from"] == "worker"


def test_assets_binding_serves_assets_to_the_worker(runtime):
    r = get(runtime, "/api/asset")
    assert r.status_code == 200
    assert r.text == "export const x = 1;\n"
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["x-frame-options"] == "DENY"


def test_assets_binding_miss_is_an_empty_404_with_the_headers_rules(runtime):
    r = get(runtime, "/api/missing-asset")
    assert r.status_code == 404
    assert r.content == b""
    assert r.headers["x-test"] == "all, docs"  # the rules for the asset's path, merged
    assert "x-frame-options" not in r.headers


# --- where the runtime cannot match workerd: its choices, pinned (runtime/README.md) -----------


def test_without_the_flag_request_signal_never_aborts(runtime):
    """This site's wrangler.toml lacks `enable_request_signal`: as on workerd, the signal stays
    quiet even though the client left before the answer."""
    key = f"k{time.monotonic_ns()}"
    with pytest.raises(httpx.ReadTimeout):
        get(runtime, f"/api/hold?key={key}", timeout=0.3)
    deadline = time.monotonic() + 15
    while (seen := get(runtime, f"/api/signal?key={key}").json()) is None:
        assert time.monotonic() < deadline, "the held request never finished"
        time.sleep(0.02)
    assert seen is False


def test_subrequests_carry_only_nodes_connection_keep_alive(runtime, raw_upstream):
    """workerd adds no header to a subrequest; Node's http adds `Connection: keep-alive` (its
    Agent reuses connections) and the Host it must send."""
    raw_upstream.heads.clear()
    assert get(runtime, "/api/fetch").text == "ok"
    [head] = raw_upstream.heads
    lines = head.decode("latin-1").split("\r\n")[1:]
    names = {line.split(":", 1)[0].lower() for line in lines if line}
    assert names == {"host", "connection"}
    assert "connection: keep-alive" in head.decode("latin-1").lower()


def test_the_workers_own_response_goes_chunked_with_lowercase_header_names(runtime):
    """workerd sends a known-length body with Content-Length and Title-Cases header names; the
    runtime streams every Worker body chunked and writes the Worker's names lowercase."""
    host, port = runtime.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            f"GET /api/vars HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert "\r\ntransfer-encoding: chunked" in head.lower()
    assert "content-length" not in head.lower()
    # The Worker's header names as its Headers object holds them; Node's own (Date,
    # Connection, Transfer-Encoding) are Title-Cased.
    assert "\r\nx-from: worker" in head
    assert "\r\ncontent-type: application/json" in head


def test_ctx_is_an_execution_context(runtime):
    assert get(runtime, "/api/ctx").json() == {
        "tag": "[object ExecutionContext]",
        "waitUntil": True,
    }


def test_python_exception_is_a_500_without_traceback_and_is_logged(runtime):
    r = get(runtime, "/api/boom")
    assert r.status_code == 500
    assert "Traceback" not in r.text and "kaboom" not in r.text
    ok = get(runtime, "/api/after")  # the runtime keeps serving
    assert ok.status_code == 200
    log = runtime.log()
    assert "RuntimeError: kaboom-detail" in log
    assert "GET /api/boom 500" in log


# --- start-up failures -------------------------------------------------------------------------


def run_runtime(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", "runtime/server.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PORT": "0", **env},
    )


def test_missing_wheel_fails_fast_with_a_clear_message(tmp_path):
    proc = run_runtime({"RUNTIME_WHEEL_DIR": str(tmp_path / "no-wheels")})
    assert proc.returncode != 0
    assert "Workers SDK wheel is missing" in proc.stderr
    assert "make setup" in proc.stderr


def test_missing_pyodide_fails_fast_with_a_clear_message(tmp_path):
    proc = run_runtime({"RUNTIME_PYODIDE_DIR": str(tmp_path)})
    assert proc.returncode != 0
    assert "Pyodide is not installed" in proc.stderr
    assert "make setup" in proc.stderr


def test_unreadable_config_fails_with_a_clear_message(tmp_path):
    proc = run_runtime({"WRANGLER_CONFIG": str(tmp_path / "wrangler.toml")})
    assert proc.returncode != 0
    assert "cannot read" in proc.stderr and "wrangler.toml" in proc.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('main = "src/worker.py"\n[vars]\nX = {inline = 1}\n')
    proc = run_runtime({"WRANGLER_CONFIG": str(bad)})
    assert proc.returncode != 0
    assert "bad.toml:3" in proc.stderr


def test_worker_that_fails_to_import_stops_the_start(tmp_path):
    (tmp_path / "worker.py").write_text("import no_such_module_here\n")
    (tmp_path / "wrangler.toml").write_text('main = "worker.py"\n')
    proc = run_runtime({"WRANGLER_CONFIG": str(tmp_path / "wrangler.toml")})
    assert proc.returncode != 0
    assert "did not load" in proc.stderr
    assert "no_such_module_here" in proc.stderr


def test_config_json_is_served_from_vars(log_dir):
    """The project's own Worker sees env overrides of its vars (what `make dev` relies on)."""
    server = start_worker(
        log_dir,
        upstream="http://127.0.0.1:9",
        env={"UPSTREAM_MODE": "simulator", "OAUTH_ISSUER": "http://127.0.0.1:9"},
    )
    try:
        config = httpx.get(server.url + "/tasks-sse/config.json").json()
        assert config["upstream"] == "http://127.0.0.1:9"
        assert config["mode"] == "simulator"
        assert config["oauth"]["issuer"] == "http://127.0.0.1:9"
        assert f"{server.url}/tasks-sse/" in server.log()  # the ready line names the URL
    finally:
        server.stop()


def test_prepare_builds_the_start_snapshot_then_uses_it(tmp_path):
    """A fresh checkout has no snapshot: the first start builds it, later starts load it."""
    env = {"RUNTIME_SNAPSHOT_DIR": str(tmp_path / "snap")}
    first = subprocess.run(
        ["node", "runtime/server.mjs", "--prepare"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert first.returncode == 0, first.stderr
    assert "snapshot built" in first.stdout
    assert list((tmp_path / "snap").glob("*.snapshot"))
    second = subprocess.run(
        ["node", "runtime/server.mjs", "--prepare"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert second.returncode == 0, second.stderr
    assert "from snapshot" in second.stdout
    assert "imports cleanly" in second.stdout


def test_too_old_node_is_refused_with_a_clear_message():
    script = (
        "import('./runtime/preflight.mjs').then((m) => {"
        " try { m.checkNode('18.19.0'); console.log('accepted'); }"
        " catch (e) { console.log(e.message); } m.checkNode(process.versions.node); })"
    )
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Node 20 or newer is required (this is Node 18.19.0)" in proc.stdout
