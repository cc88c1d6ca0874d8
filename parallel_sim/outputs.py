"""Run outputs: text (markdown + one basis), json (values generated from the schema + a basis per
field) and auto (json plus the generated output_schema). Deterministic per seed and input."""

from __future__ import annotations

import json
import random
import re

from .util import rng

_WORDS = (
    "market",
    "growth",
    "revenue",
    "policy",
    "research",
    "industry",
    "analysis",
    "region",
    "technology",
    "adoption",
    "regulation",
    "forecast",
    "competition",
    "supply",
    "demand",
    "investment",
    "strategy",
    "performance",
    "outlook",
    "infrastructure",
)
DOMAINS = (
    "www.example.com",
    "news.example.org",
    "research.example.net",
    "data.example.com",
    "docs.example.org",
    "reports.example.net",
    "wiki.example.org",
    "stats.example.com",
)
_DETAILS = (
    "as reported in 2024",
    "per the latest filings",
    "according to official data",
    "based on several independent sources",
    "as of the most recent update",
)
_CONFIDENCE = ("high", "high", "medium", "low")
MAX_ARRAY_ITEMS = 3


def topic_of(value: object) -> str:
    """A short human phrase for the task input, used to make outputs and messages readable."""
    if isinstance(value, dict):
        parts = [str(v) for v in value.values() if isinstance(v, str | int | float)]
        text = ", ".join(parts) or json.dumps(value)
    else:
        text = str(value)
    text = re.sub(r"\[sim:[a-z-]+\]", "", text)
    text = " ".join(text.split())
    return (text[:77] + "...") if len(text) > 80 else (text or "the task")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "topic"


def citation(r: random.Random, topic: str, field: str) -> dict:
    domain = r.choice(DOMAINS)
    page = slug(f"{topic} {field}")
    return {
        "url": f"https://{domain}/{page}-{r.randrange(100, 999)}",
        "title": f"{field.replace('_', ' ').capitalize()}: {topic}"[:120],
        "excerpts": [f"A source passage about {field.replace('_', ' ')} for {topic}."],
    }


def citations(r: random.Random, topic: str, field: str, count: int) -> list[dict]:
    """`count` citations with distinct URLs: a real basis never cites one page twice."""
    cites: dict[str, dict] = {}
    for _ in range(count * 4):  # bounded: draws rarely collide, and a short list is still valid
        cite = citation(r, topic, field)
        cites.setdefault(cite["url"], cite)
        if len(cites) == count:
            break
    return list(cites.values())


def field_basis(r: random.Random, topic: str, field: str) -> dict:
    cites = citations(r, topic, field.split(".")[-1], r.randint(1, 3))
    return {
        "field": field,
        "citations": cites,
        "reasoning": f"The value for {field} was synthesised from {len(cites)} source"
        f"{'s' if len(cites) > 1 else ''} that agree on it.",
        "confidence": r.choice(_CONFIDENCE),
    }


def _resolve_ref(node: dict, root: dict) -> dict:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: object = root
    for part in ref[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, dict) else {}
    return target if isinstance(target, dict) else {}


def _string_for(name: str, node: dict, topic: str, r: random.Random) -> str:
    low = name.lower()
    if "url" in low or "website" in low or "link" in low:
        return f"https://{r.choice(DOMAINS)}/{slug(topic)}"
    if "email" in low:
        return f"contact@{slug(topic)[:20] or 'example'}.example.com"
    if "date" in low or low.endswith("_at") or "year" in low:
        return f"{r.randint(2015, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
    if "name" in low or "title" in low:
        return f"{topic.split(',')[0][:40].strip().title()} {r.choice(_WORDS).title()}"
    desc = node.get("description")
    lead = f"{desc.rstrip('.')}: " if isinstance(desc, str) and desc else ""
    what = name.replace("_", " ") or "value"
    return f"{lead}{what.capitalize()} for {topic}, {r.choice(_WORDS)} {r.choice(_DETAILS)}."


def value_for(
    node: object, name: str, topic: str, r: random.Random, root: dict, depth: int = 0
) -> object:
    """A value that validates against `node` (a schema using the supported keywords)."""
    if not isinstance(node, dict) or depth > 12:
        return f"{name} for {topic}"
    node = _resolve_ref(node, root)
    if "const" in node:
        return node["const"]
    if isinstance(node.get("enum"), list) and node["enum"]:
        return r.choice(node["enum"])
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and options:
            non_null = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            return value_for((non_null or options)[0], name, topic, r, root, depth + 1)
    if isinstance(node.get("allOf"), list) and node["allOf"]:
        merged: dict = {}
        for part in node["allOf"]:
            part = _resolve_ref(part, root) if isinstance(part, dict) else {}
            for k, v in part.items():
                if k == "properties":
                    merged.setdefault("properties", {}).update(v)
                elif k == "required":
                    merged.setdefault("required", []).extend(v)
                else:
                    merged.setdefault(k, v)
        return value_for(merged, name, topic, r, root, depth + 1)
    typ = node.get("type")
    if isinstance(typ, list):
        non_null = [t for t in typ if t != "null"]
        typ = non_null[0] if non_null else "null"
    if typ is None:
        typ = "object" if "properties" in node else "array" if "items" in node else "string"
    if typ == "object":
        props = node.get("properties") or {}
        return {k: value_for(v, k, topic, r, root, depth + 1) for k, v in props.items()}
    if typ == "array":
        items = node.get("items", {"type": "string"})
        count = r.randint(1, MAX_ARRAY_ITEMS)
        singular = name[:-1] if name.endswith("s") else name
        return [value_for(items, singular, topic, r, root, depth + 1) for _ in range(count)]
    if typ == "integer":
        return r.randint(1, 1000) if "year" not in name.lower() else r.randint(1990, 2025)
    if typ == "number":
        return round(r.uniform(0.1, 1000.0), 2)
    if typ == "boolean":
        return r.random() < 0.5
    if typ == "null":
        return None
    return _string_for(name, node, topic, r)


def auto_schema(topic: str) -> dict:
    """The output_schema an auto run "generates": a small structured research report."""
    return {
        "type": "object",
        "description": f"Research report on {topic}",
        "properties": {
            "summary": {"type": "string", "description": "Executive summary of the findings"},
            "key_findings": {
                "type": "array",
                "description": "The most important findings",
                "items": {
                    "type": "object",
                    "properties": {
                        "finding": {"type": "string", "description": "One finding"},
                        "significance": {"type": "string", "enum": ["high", "medium", "low"]},
                    },
                    "required": ["finding", "significance"],
                    "additionalProperties": False,
                },
            },
            "outlook": {"type": "string", "description": "What to expect next"},
        },
        "required": ["summary", "key_findings", "outlook"],
        "additionalProperties": False,
    }


_SENTENCES = (
    "Recent reporting on {t} points in the same direction across independent sources.",
    "The most cited figures for {t} come from official statistics and industry reports.",
    "Analysts disagree mainly on timing rather than on the overall picture of {t}.",
    "Primary sources on {t} are consistent with the secondary coverage reviewed here.",
    "Coverage of {t} has grown steadily, with the latest updates in the past year.",
    "The evidence on {t} is strongest for the near term and thinner for long-range claims.",
)


def _sentence(r: random.Random, topic: str) -> str:
    return r.choice(_SENTENCES).format(t=topic)


def markdown_report(topic: str, r: random.Random, cites: list[dict], deep: bool) -> str:
    """A markdown answer with inline citations, longer on deep-research processors."""
    lines = [f"# {topic}", "", f"This answer summarises what current sources say about {topic}."]
    sections = ["Overview", "Key findings", "Details", "Outlook"] if deep else ["Answer"]
    for i, section in enumerate(sections):
        cite = cites[i % len(cites)]
        lines += [
            "",
            f"## {section}",
            "",
            f"- {_sentence(r, topic)} ([{cite['title'][:40]}]({cite['url']}))",
            f"- {_sentence(r, topic)}",
        ]
    return "\n".join(lines) + "\n"


def _mcp_calls(
    servers: list | None, topic: str, r: random.Random, limit: int | None
) -> list | None:
    if not servers:
        return None
    calls = []
    for i, server in enumerate(servers[: limit or len(servers)]):
        tools = server.get("allowed_tools") or ["search"]
        calls.append(
            {
                "tool_call_id": f"call_{r.getrandbits(64):016x}",
                "server_name": server["name"],
                "tool_name": tools[i % len(tools)],
                "arguments": json.dumps({"query": topic}),
                # The simulator never contacts MCP servers (offline); the content says so.
                "content": f"(simulated) {tools[i % len(tools)]} results for {topic}",
                "error": "",
            }
        )
    return calls


def json_basis(r: random.Random, topic: str, content: dict) -> list[dict]:
    """One entry per top-level field, and per element of a list field (`key_executives.0`), as
    the SDK's TaskRunJsonOutput describes its basis."""
    basis = [field_basis(r, topic, k) for k in content]
    for k, v in content.items():
        if isinstance(v, list):
            basis += [field_basis(r, topic, f"{k}.{i}") for i in range(len(v))]
    return basis


def generate(
    kind: str,
    schema: dict | None,
    value: object,
    seed: int,
    processor: str,
    deep: bool,
    mcp_servers: list | None = None,
    max_tool_calls: int | None = None,
) -> dict:
    """The output object of a completed run."""
    topic = topic_of(value)
    r = rng("output", seed, processor, value, kind, schema)
    tool_calls = _mcp_calls(mcp_servers, topic, r, max_tool_calls)
    # Auto only produces a structured report on deep-research processors (pro and above);
    # below that it answers in text (inferred from "auto enables Deep Research style outputs
    # only in processors pro and above").
    if kind == "auto" and deep:
        schema = auto_schema(topic)
        content = value_for(schema, "report", topic, r, schema)
        return {
            "type": "json",
            "content": content,
            "basis": json_basis(r, topic, content),
            "output_schema": schema,
            "mcp_tool_calls": tool_calls,
            "beta_fields": None,
        }
    if kind == "json" and schema is not None:
        content = value_for(schema, "output", topic, r, schema)
        return {
            "type": "json",
            "content": content,
            "basis": json_basis(r, topic, content),
            "output_schema": None,
            "mcp_tool_calls": tool_calls,
            "beta_fields": None,
        }
    cites = citations(r, topic, "output", 3 if deep else 2)
    basis = [
        {
            "field": "output",
            "citations": cites,
            "reasoning": f"The answer combines {len(cites)} sources about {topic}.",
            "confidence": r.choice(_CONFIDENCE),
        }
    ]
    return {
        "type": "text",
        "content": markdown_report(topic, r, cites, deep),
        "basis": basis,
        "mcp_tool_calls": tool_calls,
        "beta_fields": None,
    }
