"""The results model, the markdown table printed on stdout, and bench/results.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

DASH = "—"


@dataclass
class Row:
    """One measured figure next to its baseline and its target (bench/targets.py)."""

    metric: str
    direct: float | str | None = None
    through: float | str | None = None
    added: float | str | None = None
    unit: str = ""
    target: str = ""
    met: bool | None = None
    ref: str = ""  # what wrangler dev 4.86.0 did on this machine, measured once online


@dataclass
class Section:
    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    data: dict = field(default_factory=dict)  # raw summaries for results.json


def fmt(value: float | str | None, unit: str = "") -> str:
    """A value with its unit, rounded for reading; strings pass through."""
    if value is None:
        return DASH
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    a = abs(value)
    if a == 0:
        text = "0"
    elif a >= 100:
        text = f"{value:,.0f}"
    elif a >= 10:
        text = f"{value:.1f}"
    elif a >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}".rstrip()


def fmt_added(value: float | str | None, unit: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and unit != "x":
        return ("+" if value >= 0 else "") + fmt(value, unit)
    return fmt(value, unit)


def fmt_met(met: bool | None) -> str:
    return DASH if met is None else ("yes" if met else "**NO**")


HEADER = (
    "| Metric | Direct | Through Worker | Added | Target | Met? "
    "| wrangler dev (ref) |\n|---|---:|---:|---:|---|:-:|---|"
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_table(sections: list[Section]) -> str:
    """All sections as one markdown table (errors become rows), without the notes."""
    lines = [HEADER]
    for s in sections:
        lines.append(f"| **{_cell(s.name)}** | | | | | | |")
        if s.error:
            lines.append(f"| error: {_cell(s.error)[:160]} | | | | | | |")
        for r in s.rows:
            cells = [
                r.metric,
                fmt(r.direct, r.unit),
                fmt(r.through, r.unit),
                fmt_added(r.added, r.unit),
                r.target or DASH,
                fmt_met(r.met),
                r.ref or DASH,
            ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def format_report(results: dict, sections: list[Section]) -> str:
    """The whole stdout report: header (machine, versions), the table, then per-section notes."""
    m, v = results.get("machine", {}), results.get("versions", {})
    out = [
        f"# make bench ({results.get('generated_at', '')}, commit {results.get('commit', '?')})",
        "",
        f"Machine: {m.get('cores', '?')} cores ({m.get('cpu', '?')}), "
        f"{m.get('memory_gib', '?')} GiB RAM, {m.get('os', '?')}.  ",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        _load_line(m.get("load")),
        "",
        format_table(sections),
        "",
    ]
    notes = [(s.name, n) for s in sections for n in s.notes]
    if notes:
        out.append("Notes:")
        out.extend(f"- {name}: {n}" for name, n in notes)
        out.append("")
    out.append(f"Total bench time: {results.get('duration_s', 0):.0f} s.")
    return "\n".join(out)


def _load_line(load: dict | None) -> str:
    if not load:
        return ""
    return (
        f"\nMachine load: the bench used {load['bench_cpu_pct']}% of the machine's CPU, other "
        f"processes {load['others_cpu_pct']}% (load average {load['loadavg_start'][0]:.1f} at "
        f"start, {load['loadavg_end'][0]:.1f} at end); other work on the cores inflates tails."
    )


def to_json(results: dict, sections: list[Section]) -> dict:
    return {**results, "sections": [asdict(s) for s in sections]}


def write_json(path: Path, results: dict, sections: list[Section]) -> None:
    path.write_text(json.dumps(to_json(results, sections), indent=2, default=str) + "\n")
