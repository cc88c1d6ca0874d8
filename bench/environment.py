"""The machine and the versions a run measured, for the report's header."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from importlib import metadata

import psutil

from bench.procs import ROOT


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


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


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
