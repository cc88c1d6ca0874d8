"""The Cloudflare path, as far as it runs offline: `wrangler deploy --dry-run` bundles the Worker.

wrangler builds the upload (modules, assets manifest, bindings) and stops before any network call.
The banner's update check is the one thing that would go online, so WRANGLER_HIDE_BANNER skips it.
"""

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_ENV = {
    "WRANGLER_SEND_METRICS": "false",
    "WRANGLER_SEND_ERROR_REPORTS": "false",
    "CLOUDFLARE_CF_FETCH_ENABLED": "false",
    "WRANGLER_HIDE_BANNER": "true",
    "NO_COLOR": "1",
    "FORCE_COLOR": "0",
    "CI": "1",
}


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    if not shutil.which("npx") or not (ROOT / "node_modules" / "wrangler").is_dir():
        pytest.fail("wrangler is not installed: run `make setup` (npm ci)")
    outdir = tmp_path_factory.mktemp("bundle")
    proc = subprocess.run(
        ["npx", "--no-install", "wrangler", "deploy", "--dry-run", "--outdir", str(outdir)],
        cwd=ROOT,
        env={**os.environ, **OFFLINE_ENV, "WRANGLER_LOG_PATH": str(outdir / "logs")},
        capture_output=True,
        text=True,
        timeout=90,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    return outdir, output


def test_bundle_holds_every_module_of_src(dry_run):
    outdir, _ = dry_run
    modules = sorted(p.name for p in (ROOT / "src").glob("*.py"))
    assert "worker.py" in modules
    for name in modules:
        bundled = outdir / name
        assert bundled.is_file(), f"{name} missing from the bundle"
        assert bundled.read_bytes() == (ROOT / "src" / name).read_bytes()


def test_bundle_sees_the_assets(dry_run):
    _, output = dry_run
    match = re.search(r"Read (\d+) files? from the assets directory (\S+)", output)
    assert match, output
    public = ROOT / "public"
    assert Path(match.group(2)).resolve() == public.resolve()
    # wrangler's count also takes in directories and config files (_headers), so it is at least
    # the number of plain files the playground ships.
    files = [p for p in public.rglob("*") if p.is_file() and not p.name.startswith("_")]
    assert files
    assert int(match.group(1)) >= len(files)
    assert "env.ASSETS" in output


def test_bundle_sees_the_vars(dry_run):
    _, output = dry_run
    config = tomllib.loads((ROOT / "wrangler.toml").read_text())
    for name, value in config["vars"].items():
        assert f'env.{name} ("{value}")' in output, f"var {name} not bound:\n{output}"
    for name in ("PARALLEL_API_ORIGIN", "OAUTH_ISSUER", "UPSTREAM_MODE", "ALLOWED_ORIGINS"):
        assert name in config["vars"]
