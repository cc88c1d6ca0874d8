"""TaskRunInput validation (spec section 3): 422 errors naming the failed field, or warnings.

The real API's exact 422 ``detail`` shape is undocumented beyond "specific information about
which fields failed validation"; we use FastAPI's familiar ``{"loc", "msg", "type"}`` entries under
``detail.errors`` plus a dotted ``field`` (inferred).
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field

from . import processors
from .errors import ApiError
from .table import LIMITS, OUTPUT_SCHEMA

# The documented limits, from the data file the playground reads too. Schema depth: one docs page
# says 5, another "3 or less"; the data file says 5.
MAX_DEPTH = LIMITS["schema_depth"]
MAX_PROPERTIES = LIMITS["schema_properties"]
MAX_SCHEMA_STRING_CHARS = LIMITS["schema_string_chars"]
MAX_ENUM_VALUES = LIMITS["schema_enum_values"]
MAX_LARGE_ENUM_CHARS = LIMITS["schema_large_enum_chars"]
LARGE_ENUM = LIMITS["schema_large_enum_values"]
MAX_SPEC_CHARS = LIMITS["task_spec_chars"]
MAX_SPEC_AND_INPUT_CHARS = LIMITS["task_spec_and_input_chars"]
MAX_DOMAINS = LIMITS["source_policy_entries"]
MAX_MCP_SERVERS = LIMITS["mcp_servers"]
MAX_METADATA_KEY = LIMITS["metadata_key_chars"]
MAX_METADATA_VALUE = LIMITS["metadata_value_chars"]
UNSUPPORTED_KEYWORDS = frozenset(OUTPUT_SCHEMA["unsupported_keywords"])
BASIS_LIKE_NAMES = frozenset(OUTPUT_SCHEMA["basis_like_names"])
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
WEBHOOK_EVENT_TYPES = {"task_run.status"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A source-policy entry: a domain (`example.com`), a bare extension (`.gov`, `.co.uk`) or a
# domain with a path prefix (`docs.python.org/3`); no scheme, port, query or fragment.
_POLICY_ENTRY = re.compile(r"^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(/[^\s?#:]*)?$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


INVALID_BODY = "Unprocessable content: request validation error"


class InvalidRequest(ApiError):
    """A 422 with the failing field's location."""

    def __init__(self, loc: tuple, msg: str, kind: str = "value_error"):
        dotted = ".".join(str(p) for p in loc[1:]) or "body"
        super().__init__(
            422,
            INVALID_BODY,
            {"field": dotted, "errors": [{"loc": list(loc), "msg": msg, "type": kind}]},
        )
        self.loc = loc
        self.msg = msg
        self.kind = kind


class InvalidProcessor(ApiError):
    """403 Forbidden: invalid processor in request."""

    def __init__(self, name: object) -> None:
        super().__init__(403, "Forbidden: invalid processor in request")
        self.name = name


@dataclass
class Spec:
    """A normalised task spec."""

    output: str  # "text" | "json" | "auto"
    json_schema: dict | None = None
    description: str | None = None
    input_schema: dict | None = None  # JSON schema of the input, if given as json


@dataclass
class Checked:
    body: dict
    processor: processors.Resolved
    spec: Spec
    warnings: list[dict] = field(default_factory=list)


def _warning(kind: str, message: str, detail: dict | None = None) -> dict:
    return {"type": kind, "message": message, "detail": detail}


def _schema_union(
    value: object, loc: tuple, allow_auto: bool
) -> tuple[str, dict | None, str | None]:
    """Resolve output_schema/input_schema forms by shape: bare string, text, json, auto."""
    if isinstance(value, str):
        return "text", None, value
    if not isinstance(value, dict):
        raise InvalidRequest(
            loc, "must be a string or an object (json, text or auto schema)", "type_error"
        )
    kind = value.get("type")
    if kind is None:
        kind = "json" if "json_schema" in value else "text"
    if kind == "json":
        schema = value.get("json_schema")
        if not isinstance(schema, dict):
            raise InvalidRequest(
                (*loc, "json_schema"),
                "json_schema is required and must be an object",
                "missing" if schema is None else "type_error",
            )
        return "json", schema, None
    if kind == "text":
        desc = value.get("description")
        if desc is not None and not isinstance(desc, str):
            raise InvalidRequest((*loc, "description"), "must be a string or null", "type_error")
        return "text", None, desc
    if kind == "auto" and allow_auto:
        return "auto", None, None
    allowed = "'json', 'text' or 'auto'" if allow_auto else "'json' or 'text'"
    raise InvalidRequest((*loc, "type"), f"type must be {allowed}", "enum")


class _SchemaStats:
    def __init__(self) -> None:
        self.properties = 0
        self.string_chars = 0
        self.enum_values = 0


def _walk_schema(
    node: object,
    loc: tuple,
    depth: int,
    stats: _SchemaStats,
    warnings: list[dict],
    root: bool = False,
    null_ok: bool = False,
) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk_schema(item, (*loc, i), depth, stats, warnings)
        return
    if isinstance(node, str):
        stats.string_chars += len(node)
        return
    if not isinstance(node, dict):
        return
    for key in node:
        stats.string_chars += len(key)
        if key in UNSUPPORTED_KEYWORDS:
            raise InvalidRequest(
                (*loc, key), f"unsupported JSON Schema keyword '{key}'", "unsupported_keyword"
            )
    typ = node.get("type")
    if (typ == "null" or typ == ["null"]) and not null_ok:
        # `null` is fine as one option of a union (anyOf: [{...}, {"type": "null"}]).
        raise InvalidRequest((*loc, "type"), "a standalone 'null' type is not allowed")
    for t in typ if isinstance(typ, list) else [typ] if typ is not None else []:
        if t not in JSON_TYPES:
            raise InvalidRequest((*loc, "type"), f"unknown JSON Schema type {t!r}")
    if "enum" in node:
        enum = node["enum"]
        if not isinstance(enum, list) or not enum:
            raise InvalidRequest((*loc, "enum"), "enum must be a non-empty array")
        stats.enum_values += len(enum)
        if stats.enum_values > MAX_ENUM_VALUES:
            raise InvalidRequest(
                (*loc, "enum"),
                f"more than {MAX_ENUM_VALUES} enum values in the schema",
                "too_complex",
            )
        if len(enum) > LARGE_ENUM and sum(len(str(v)) for v in enum) > MAX_LARGE_ENUM_CHARS:
            raise InvalidRequest(
                (*loc, "enum"),
                f"an enum with more than {LARGE_ENUM} values "
                f"may total at most {MAX_LARGE_ENUM_CHARS} characters",
                "too_complex",
            )
    props = node.get("properties")
    if props is not None:
        if not isinstance(props, dict):
            raise InvalidRequest((*loc, "properties"), "properties must be an object", "type_error")
        if depth > MAX_DEPTH:
            raise InvalidRequest(
                loc, f"schema nesting deeper than {MAX_DEPTH} levels", "too_complex"
            )
        stats.properties += len(props)
        if stats.properties > MAX_PROPERTIES:
            raise InvalidRequest(
                (*loc, "properties"),
                f"more than {MAX_PROPERTIES} properties in the schema",
                "too_complex",
            )
        required = node.get("required") or []
        for name in props:
            if name not in required:
                warnings.append(
                    _warning(
                        "spec_validation_warning",
                        f"Property '{'.'.join(map(str, (*loc[4:], name)))}' is not listed in "
                        "'required'; all properties should be required.",
                        {"field": name},
                    )
                )
            if name in BASIS_LIKE_NAMES:
                warnings.append(
                    _warning(
                        "spec_validation_warning",
                        f"Field '{name}' duplicates what basis provides (citations, reasoning, "
                        "confidence); consider relying on the output's basis instead.",
                        {"field": name},
                    )
                )
        if node.get("additionalProperties") is not False:
            warnings.append(
                _warning(
                    "spec_validation_warning",
                    "additionalProperties should be false on every object"
                    + (f" (at {'.'.join(map(str, loc[4:]))})" if loc[4:] else " (at the root)"),
                    None,
                )
            )
        for name, sub in props.items():
            stats.string_chars += len(name)
            _walk_schema(sub, (*loc, "properties", name), depth + 1, stats, warnings)
    for key in ("items", "additionalProperties", "not", "if", "then", "else"):
        if isinstance(node.get(key), dict | list):
            # items nest one level deeper: an array of objects counts as a level.
            _walk_schema(node[key], (*loc, key), depth + (key == "items"), stats, warnings)
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list):
            typed = [o.get("type") if isinstance(o, dict) else None for o in options]
            mixed = any(t not in ("null", ["null"]) for t in typed)
            for i, option in enumerate(options):
                _walk_schema(option, (*loc, key, i), depth, stats, warnings, null_ok=mixed)
    for key in ("allOf", "prefixItems"):
        if isinstance(node.get(key), list):
            _walk_schema(node[key], (*loc, key), depth, stats, warnings)
    for key in ("$defs", "definitions"):
        defs = node.get(key)
        if isinstance(defs, dict):
            for name, sub in defs.items():
                _walk_schema(sub, (*loc, key, name), depth, stats, warnings)
    for key in ("description", "title", "$ref", "const"):
        if isinstance(node.get(key), str):
            stats.string_chars += len(node[key])


def check_output_schema(schema: dict, loc: tuple, max_fields: int) -> list[dict]:
    """Errors (raised) and warnings (returned) per the documented output-schema rules."""
    warnings: list[dict] = []
    if "anyOf" in schema:
        raise InvalidRequest((*loc, "anyOf"), "the root schema may not use anyOf")
    if schema.get("type") != "object":
        raise InvalidRequest((*loc, "type"), "the root schema's type must be 'object'")
    if not isinstance(schema.get("properties"), dict) or not schema["properties"]:
        raise InvalidRequest(
            (*loc, "properties"), "the root schema must have properties", "missing"
        )
    stats = _SchemaStats()
    _walk_schema(schema, loc, 1, stats, warnings, root=True)
    if stats.string_chars > MAX_SCHEMA_STRING_CHARS:
        raise InvalidRequest(
            loc,
            f"the schema's strings total more than {MAX_SCHEMA_STRING_CHARS} characters",
            "too_complex",
        )
    if len(schema["properties"]) > max_fields:
        warnings.append(
            _warning(
                "spec_validation_warning",
                f"The output schema has {len(schema['properties'])} fields; this processor handles "
                f"about {max_fields} well. Consider a higher processor.",
                {"fields": len(schema["properties"]), "recommended_max": max_fields},
            )
        )
    return warnings


def _check_metadata(metadata: object, loc: tuple) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise InvalidRequest(loc, "metadata must be an object or null", "type_error")
    for key, value in metadata.items():
        if len(key) > MAX_METADATA_KEY:
            raise InvalidRequest(
                (*loc, key),
                f"metadata keys may be at most {MAX_METADATA_KEY} characters",
                "string_too_long",
            )
        if isinstance(value, bool | int | float):
            continue
        if not isinstance(value, str):
            raise InvalidRequest(
                (*loc, key), "metadata values must be strings, numbers or booleans", "type_error"
            )
        if len(value) > MAX_METADATA_VALUE:
            raise InvalidRequest(
                (*loc, key),
                f"metadata values may be at most {MAX_METADATA_VALUE} characters",
                "string_too_long",
            )


def _string_list(value: object, loc: tuple) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(loc, "must be an array of strings", "type_error")
    for i, v in enumerate(value):
        if not _POLICY_ENTRY.match(v):
            raise InvalidRequest(
                (*loc, i),
                "a domain, extension or domain/path prefix is expected (e.g. 'example.com', "
                "'.gov', 'docs.python.org/3'), without scheme, port, query or fragment",
            )
    return value


def _check_source_policy(policy: object, loc: tuple) -> None:
    if policy is None:
        return
    if not isinstance(policy, dict):
        raise InvalidRequest(loc, "source_policy must be an object or null", "type_error")
    inc = _string_list(policy.get("include_domains"), (*loc, "include_domains"))
    exc = _string_list(policy.get("exclude_domains"), (*loc, "exclude_domains"))
    if len(inc) + len(exc) > MAX_DOMAINS:
        raise InvalidRequest(
            loc,
            f"include_domains and exclude_domains may hold at most {MAX_DOMAINS} domains together",
            "too_long",
        )
    after = policy.get("after_date")
    if after is not None and not _is_date(after):
        raise InvalidRequest((*loc, "after_date"), "after_date must be a date YYYY-MM-DD")


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_webhook(hook: object, loc: tuple) -> None:
    if hook is None:
        return
    if not isinstance(hook, dict):
        raise InvalidRequest(loc, "webhook must be an object or null", "type_error")
    url = hook.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
        raise InvalidRequest(
            (*loc, "url"),
            "webhook.url must be an http(s) URL",
            "missing" if url is None else "value_error",
        )
    types = hook.get("event_types", [])
    if types is None:
        types = []
    if not isinstance(types, list) or any(t not in WEBHOOK_EVENT_TYPES for t in types):
        raise InvalidRequest(
            (*loc, "event_types"), "event_types may only contain 'task_run.status'", "enum"
        )


def _check_mcp(servers: object, loc: tuple) -> None:
    if servers is None:
        return
    if not isinstance(servers, list):
        raise InvalidRequest(loc, "mcp_servers must be an array or null", "type_error")
    if len(servers) > MAX_MCP_SERVERS:
        raise InvalidRequest(loc, f"at most {MAX_MCP_SERVERS} MCP servers", "too_long")
    for i, s in enumerate(servers):
        if not isinstance(s, dict):
            raise InvalidRequest((*loc, i), "must be an object", "type_error")
        if s.get("type", "url") != "url":
            raise InvalidRequest((*loc, i, "type"), "type must be 'url'", "enum")
        for key in ("url", "name"):
            if not isinstance(s.get(key), str) or not s[key]:
                raise InvalidRequest((*loc, i, key), f"{key} is required", "missing")
        allowed = s.get("allowed_tools")
        if allowed is not None and (
            not isinstance(allowed, list) or not all(isinstance(t, str) for t in allowed)
        ):
            raise InvalidRequest(
                (*loc, i, "allowed_tools"), "must be an array of strings", "type_error"
            )
        headers = s.get("headers")
        if headers is not None and (
            not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values())
        ):
            raise InvalidRequest((*loc, i, "headers"), "must map strings to strings", "type_error")


def _check_advanced(adv: object, mcp_servers: object, loc: tuple) -> None:
    """advanced_settings: `location` and `data_sources` as the SDK types describe them."""
    if adv is None:
        return
    if not isinstance(adv, dict):
        raise InvalidRequest(loc, "must be an object or null", "type_error")
    where = adv.get("location")
    if where is not None and (not isinstance(where, str) or not _COUNTRY.match(where)):
        raise InvalidRequest(
            (*loc, "location"), "location must be an ISO 3166-1 alpha-2 country code"
        )
    sources = adv.get("data_sources")
    if sources is None:
        return
    if not isinstance(sources, dict):
        raise InvalidRequest((*loc, "data_sources"), "must be an object or null", "type_error")
    mcp_names = {s.get("name") for s in mcp_servers or [] if isinstance(s, dict)}
    for kind in ("free", "pay_per_use"):
        names = sources.get(kind)
        if names is None:
            continue
        where_ = (*loc, "data_sources", kind)
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise InvalidRequest(where_, "must be an array of partner names", "type_error")
        for i, name in enumerate(names):
            if name in mcp_names:
                raise InvalidRequest(
                    (*where_, i), f"partner {name!r} collides with an mcp_servers entry"
                )


def _input_warnings(value: object, input_schema: dict | None) -> list[dict]:
    """Input Fails Validation -> input_validation_warning (a light check: type and required)."""
    if input_schema is None:
        return []
    problems = []
    if input_schema.get("type") == "object":
        if not isinstance(value, dict):
            problems.append("the input is text but input_schema describes an object")
        else:
            missing = [k for k in input_schema.get("required") or [] if k not in value]
            if missing:
                problems.append("missing required input fields: " + ", ".join(missing))
    if not problems:
        return []
    return [
        _warning(
            "input_validation_warning",
            "Input fails validation against input_schema: " + "; ".join(problems),
            None,
        )
    ]


def check_run_input(
    body: object, loc: tuple = ("body",), default_task_spec: object = None
) -> Checked:
    """Validate one TaskRunInput; raise InvalidRequest (422) or InvalidProcessor (403)."""
    if not isinstance(body, dict):
        raise InvalidRequest(loc, "the request body must be a JSON object", "type_error")
    if "input" not in body or body["input"] is None:
        raise InvalidRequest((*loc, "input"), "input is required", "missing")
    value = body["input"]
    if not isinstance(value, str | dict):
        raise InvalidRequest(
            (*loc, "input"), "input must be a string or a JSON object", "type_error"
        )
    if isinstance(value, str) and not value.strip():
        raise InvalidRequest((*loc, "input"), "input must not be empty")
    if "processor" not in body or body["processor"] is None:
        raise InvalidRequest((*loc, "processor"), "processor is required", "missing")
    if not isinstance(body["processor"], str):
        raise InvalidRequest((*loc, "processor"), "processor must be a string", "type_error")
    proc = processors.resolve(body["processor"])
    if proc is None:
        raise InvalidProcessor(body["processor"])

    warnings: list[dict] = []
    task_spec = body.get("task_spec")
    spec_loc = (*loc, "task_spec")
    if task_spec is None and default_task_spec is not None:
        task_spec, spec_loc = default_task_spec, ("body", "default_task_spec")
    if task_spec is None:
        spec = Spec("auto")  # "If unspecified, defaults to auto output schema."
    else:
        if not isinstance(task_spec, dict):
            raise InvalidRequest(spec_loc, "task_spec must be an object or null", "type_error")
        if "output_schema" not in task_spec or task_spec["output_schema"] is None:
            raise InvalidRequest(
                (*spec_loc, "output_schema"), "output_schema is required", "missing"
            )
        out_loc = (*spec_loc, "output_schema")
        kind, schema, desc = _schema_union(task_spec["output_schema"], out_loc, True)
        spec = Spec(kind, schema, desc)
        if schema is not None:
            warnings += check_output_schema(schema, (*out_loc, "json_schema"), proc.base.max_fields)
        raw_in = task_spec.get("input_schema")
        if raw_in is not None:
            in_kind, in_schema, _ = _schema_union(raw_in, (*spec_loc, "input_schema"), False)
            spec.input_schema = in_schema if in_kind == "json" else None
        spec_chars = len(json.dumps(task_spec))
        if spec_chars > MAX_SPEC_CHARS:
            raise InvalidRequest(
                spec_loc,
                f"the task spec is {spec_chars} characters; the limit is {MAX_SPEC_CHARS}",
                "too_long",
            )
        input_chars = len(value) if isinstance(value, str) else len(json.dumps(value))
        if spec_chars + input_chars > MAX_SPEC_AND_INPUT_CHARS:
            raise InvalidRequest(
                (*loc, "input"),
                "task spec + input are "
                f"{spec_chars + input_chars} characters; the limit is "
                f"{MAX_SPEC_AND_INPUT_CHARS}",
                "too_long",
            )
    if task_spec is None:
        input_chars = len(value) if isinstance(value, str) else len(json.dumps(value))
        if input_chars > MAX_SPEC_AND_INPUT_CHARS:
            raise InvalidRequest(
                (*loc, "input"),
                f"input is {input_chars} characters; the limit is {MAX_SPEC_AND_INPUT_CHARS}",
                "too_long",
            )

    _check_metadata(body.get("metadata"), (*loc, "metadata"))
    _check_source_policy(body.get("source_policy"), (*loc, "source_policy"))
    _check_webhook(body.get("webhook"), (*loc, "webhook"))
    _check_mcp(body.get("mcp_servers"), (*loc, "mcp_servers"))
    ev = body.get("enable_events")
    if ev is not None and not isinstance(ev, bool):
        raise InvalidRequest(
            (*loc, "enable_events"), "enable_events must be a boolean or null", "type_error"
        )
    prev = body.get("previous_interaction_id")
    if prev is not None and not isinstance(prev, str):
        raise InvalidRequest(
            (*loc, "previous_interaction_id"), "must be a string or null", "type_error"
        )
    scope = body.get("memory_scope_key")
    if scope is not None and not isinstance(scope, str):
        raise InvalidRequest((*loc, "memory_scope_key"), "must be a string or null", "type_error")
    _check_advanced(
        body.get("advanced_settings"), body.get("mcp_servers"), (*loc, "advanced_settings")
    )
    warnings += _input_warnings(value, spec.input_schema)
    return Checked(body, proc, spec, warnings)
