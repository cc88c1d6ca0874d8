"""The machine and the versions a run measured, for the report's header."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

import psutil

from bench.procs import ROOT, WORKER_ROOT
from tests.support.chromium import chromium_path


def _cmd_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "not found"


def _npm_version(name: str) -> str:
    try:
        return json.loads((ROOT / "node_modules" / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in open("/proc/cpuinfo"):  # noqa: SIM115
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu or "unknown",
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
    }


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, text=True, capture_output=True, timeout=10, check=False
    ).stdout.strip()


MEASURED_DIRS = ("src", "runtime", "public", "parallel_sim")


def _commit_of(tree: Path) -> str:
    head = _git("rev-parse", "--short", "HEAD", cwd=tree)
    dirty = _git("status", "--porcelain", "--", *MEASURED_DIRS, cwd=tree)
    return f"{head}{' + uncommitted changes' if dirty else ''}" or "unknown"


def commit() -> str:
    """The commit measured, marked when the working tree had changes (others work in it too);
    with BENCH_WORKER_ROOT, the Worker's checkout is named too."""
    try:
        here = _commit_of(ROOT)
        if WORKER_ROOT == ROOT:
            return here
        return f"{here}; Worker from {WORKER_ROOT} at {_commit_of(WORKER_ROOT)}"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict:
    chromium = chromium_path()
    chromium_v = _cmd_version([chromium, "--version"]) if chromium else "not found"
    chromium_v = chromium_v.replace("Chromium ", "").split(" ")[0]
    try:
        playwright_v = metadata.version("playwright")
    except metadata.PackageNotFoundError:
        playwright_v = "not installed"
    return {
        "node": _cmd_version(["node", "--version"]).lstrip("v"),
        "python": platform.python_version(),
        "pyodide": _npm_version("pyodide"),
        "wrangler": _npm_version("wrangler"),
        "chromium": chromium_v,
        "playwright": playwright_v,
    }


def _busy_seconds() -> float:
    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


def _own_seconds() -> float:
    t = os.times()  # this process plus every child it has reaped (the servers, the browser)
    own = t.user + t.system + t.children_user + t.children_system
    for child in psutil.Process().children(recursive=True):  # still running
        try:
            c = child.cpu_times()
            own += c.user + c.system
        except psutil.Error:
            pass
    return own


class MachineLoad:
    """How busy the machine was with work other than this benchmark (others share the cores)."""

    def __enter__(self):
        self.t0 = time.monotonic()
        self.busy0, self.own0 = _busy_seconds(), _own_seconds()
        self.load0 = os.getloadavg()
        return self

    def __exit__(self, *exc):
        wall = max(1e-6, time.monotonic() - self.t0)
        cores = os.cpu_count() or 1
        busy, own = _busy_seconds() - self.busy0, _own_seconds() - self.own0
        self.result = {
            "loadavg_start": [round(x, 2) for x in self.load0],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "bench_cpu_pct": round(100 * own / (wall * cores)),
            "others_cpu_pct": round(max(0.0, 100 * (busy - own) / (wall * cores))),
        }
        return False
