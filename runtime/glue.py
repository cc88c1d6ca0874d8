"""The Python half of the local runtime's per-request path (runs inside Pyodide, never CPython).

Loaded once at start: it imports the Worker's main module and keeps its entrypoint class, so a
request costs one call from JS and no compilation. Like workerd, each request gets a new
`Default(ctx, env)` and a `workers.Request` around the JS Request.

The answer goes back through a JS callback rather than a returned awaitable, so only JsProxies
cross per request (freed by Python's reference counting) and no PyProxy is created that JS would
have to destroy by hand. Measured: Python's object count and the JS heap stay flat over 10,000
requests.
"""

from __future__ import annotations

import asyncio
import importlib
import traceback

from pyodide.ffi import JsProxy

_entrypoint = None
_request_class = None
_env = None
_loop = None
_running: set[asyncio.Task] = set()


def load(module_name: str, env, class_name: str = "Default") -> None:
    """Import the Worker (the SDK comes with it) and keep its entrypoint class and env.

    The env wrapper is made once: the SDK accepts an existing wrapper as is, and the wrapper caches
    each binding's lookup, so a request does not redo them (workerd's env is one object too).
    """
    global _entrypoint, _request_class, _loop, _env
    _loop = asyncio.get_event_loop()
    from workers import Request, _EnvWrapper

    _request_class = Request
    _env = _EnvWrapper(env)
    module = importlib.import_module(module_name)
    entrypoint = getattr(module, class_name, None)
    if entrypoint is None or not hasattr(entrypoint, "fetch"):
        raise RuntimeError(f"{module_name}.py defines no class {class_name} with a fetch method")
    _entrypoint = entrypoint


def dispatch(js_request, ctx, done) -> None:
    """Start the Worker's fetch for one request; `done(response, error_text)` reports the end.

    The task starts eagerly: the Worker runs up to its first real await before this returns,
    which saves a trip through the event loop on every request.
    """
    task = asyncio.Task(_run(js_request, ctx, done), loop=_loop, eager_start=True)
    if not task.done():
        _running.add(task)
        task.add_done_callback(_running.discard)


def _wrap_request(js_request):
    """`workers.Request(js_request)` without its type probe: the runtime knows it is a Request."""
    request = _request_class.__new__(_request_class)
    request._js_request = js_request
    return request


async def _run(js_request, ctx, done) -> None:
    try:
        instance = _entrypoint(ctx, _env)
        result = await instance.fetch(_wrap_request(js_request))
        js_response = getattr(result, "js_object", result)
        if not isinstance(js_response, JsProxy):  # JS checks that it is a Response
            raise TypeError(f"fetch returned {type(result).__name__}, not a Response")
    except BaseException as exc:  # every failure becomes a 500, as in workerd
        done(None, "".join(traceback.format_exception(exc)))
        if not isinstance(exc, Exception):
            raise
        return
    done(js_response, None)


def patch_env_helper(patch):
    """`workers.patch_env`: set env values for the duration of a with-block, then restore them."""
    from workers import import_from_javascript

    env = import_from_javascript("cloudflare:workers").env
    values = dict(patch.to_py(depth=1))  # the SDK passes a JS Map (to_js of a dict)
    names = list(values)
    saved = {name: getattr(env, name, None) for name in names}

    def forget_cached():  # the shared env wrapper caches lookups
        if _env is not None:
            for name in names:
                _env.__dict__.pop(name, None)

    try:
        for name in names:
            setattr(env, name, values[name])
        forget_cached()
        yield
    finally:
        for name, value in saved.items():
            setattr(env, name, value)
        forget_cached()
