"""TEST_WORKER, the one switch between the local runtime and `wrangler dev`, starting neither.

The wrangler side runs a stand-in executable: what `wrangler dev` receives (vars, address, port)
and how a failed start is reported can be checked offline, where workerd cannot start.
"""

from __future__ import annotations

import itertools
import stat
from pathlib import Path

import pytest

from tests import conftest
from tests.support import servers


def test_unset_or_empty_means_the_local_runtime(monkeypatch):
    monkeypatch.delenv("TEST_WORKER", raising=False)
    assert servers.worker_kind() == "runtime"
    monkeypatch.setenv("TEST_WORKER", " ")
    assert servers.worker_kind() == "runtime"
    monkeypatch.setenv("TEST_WORKER", "wrangler")
    assert servers.worker_kind() == "wrangler"


def test_an_unknown_worker_is_refused(monkeypatch):
    monkeypatch.setenv("TEST_WORKER", "workerd")
    with pytest.raises(ValueError, match="runtime, wrangler"):
        servers.worker_kind()


def test_wrangler_command_binds_loopback_and_passes_every_var(tmp_path):
    cmd = servers.wrangler_command(
        8123,
        9333,
        tmp_path,
        {"PARALLEL_API_ORIGIN": "http://127.0.0.1:5000", "ALLOWED_ORIGINS": "", "X": "a:b:c"},
    )
    assert cmd[0].endswith("wrangler") and cmd[1] == "dev"
    flags = dict(itertools.pairwise(cmd))
    assert flags["--ip"] == "127.0.0.1" and flags["--port"] == "8123"
    assert flags["--inspector-ip"] == "127.0.0.1" and flags["--inspector-port"] == "9333"
    assert flags["--persist-to"] == str(tmp_path)
    assert "--local" in cmd and "--show-interactive-dev-session=false" in cmd
    var_values = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--var"]
    # wrangler splits at the first colon only: URLs and colons in values survive.
    assert var_values == [
        "PARALLEL_API_ORIGIN:http://127.0.0.1:5000",
        "ALLOWED_ORIGINS:",
        "X:a:b:c",
    ]
    assert "--config" not in cmd
    assert servers.wrangler_command(1, 2, tmp_path, {}, "/x/wrangler.toml")[-2:] == [
        "--config",
        "/x/wrangler.toml",
    ]


def test_a_var_name_wrangler_would_split_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a var name"):
        servers.wrangler_command(1, 2, tmp_path, {"A:B": "c"})


def test_worker_vars_drop_launcher_settings_and_refuse_runtime_only_ones():
    env = {"PORT": "1", "HOST": "127.0.0.1", "WRANGLER_CONFIG": "w.toml", "UPSTREAM_MODE": "sim"}
    assert servers.worker_vars(env) == {"UPSTREAM_MODE": "sim"}
    with pytest.raises(ValueError, match=r"RUNTIME_SNAPSHOT_DIR.*runtime-only"):
        servers.worker_vars({"RUNTIME_SNAPSHOT_DIR": "/tmp/x"})


@pytest.fixture
def fake_wrangler(tmp_path, monkeypatch):
    """A stand-in `wrangler` that records its argv and environment, then fails as offline."""
    record = tmp_path / "argv.txt"
    script = tmp_path / "wrangler"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{record}"\n'
        f'env | grep -E "^(WRANGLER_|CLOUDFLARE_)" | sort > "{record}.env"\n'
        'echo "\x1b[31mThe Workers runtime failed to start.\x1b[0m"\n'
        "exit 1\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(servers, "WRANGLER_BIN", script)
    monkeypatch.setenv("TEST_WORKER", "wrangler")
    return record


def test_start_worker_launches_wrangler_dev_and_reports_its_output(fake_wrangler, tmp_path):
    with pytest.raises(RuntimeError) as failed:
        servers.start_worker(
            tmp_path / "logs",
            upstream="http://127.0.0.1:9",
            port=8777,
            env={"OAUTH_ISSUER": "http://127.0.0.1:9", "UPSTREAM_MODE": "simulator"},
        )
    message = str(failed.value)
    assert "TEST_WORKER=wrangler" in message and "needs the internet" in message
    assert "The Workers runtime failed to start." in message  # wrangler's own words, no colours
    assert "\x1b[" not in message
    argv = fake_wrangler.read_text().splitlines()
    assert argv[:2] == ["dev", "--local"]
    assert "PARALLEL_API_ORIGIN:http://127.0.0.1:9" in argv
    assert "OAUTH_ISSUER:http://127.0.0.1:9" in argv and "UPSTREAM_MODE:simulator" in argv
    assert argv[argv.index("--port") + 1] == "8777"
    assert argv[argv.index("--ip") + 1] == "127.0.0.1"
    assert not any(a.startswith(("PORT:", "HOST:")) for a in argv)
    quiet = fake_wrangler.with_suffix(".txt.env").read_text()
    for name in servers.WRANGLER_QUIET:
        if name.startswith(("WRANGLER_", "CLOUDFLARE_")):
            assert f"{name}=false" in quiet


class _Item:
    def __init__(self, path: str):
        self.path = Path(path)
        self.marks: list = []

    def add_marker(self, mark) -> None:
        self.marks.append(mark)


@pytest.mark.parametrize("kind", ["runtime", "wrangler"])
def test_suites_about_the_runtime_itself_are_skipped_under_wrangler(monkeypatch, kind):
    monkeypatch.setenv("TEST_WORKER", kind)
    names = ["test_runtime.py", "test_dev.py", "test_proxy.py", "test_workerd_parity.py"]
    items = [_Item(f"tests/integration/{name}") for name in names]
    conftest.pytest_collection_modifyitems(None, items)
    skipped = [item.path.name for item in items if item.marks]
    assert skipped == (names[:2] if kind == "wrangler" else [])
    for item in items:
        for mark in item.marks:
            assert mark.name == "skip" and "TEST_WORKER=wrangler" in mark.kwargs["reason"]
