// Runs the Python Worker the way workerd does: Pyodide 0.28.2 (Python 3.13), the `workers` SDK
// from its wheel, the Worker's files under /session/metadata on sys.path, the JS modules the SDK
// imports from workerd, and a new `Default(ctx, env)` per request.
//
// Start-up uses a memory snapshot of an initialised interpreter (with the standard-library
// modules the SDK needs already imported), kept in .cache/ and rebuilt when Pyodide, Node or the
// preload list change: it takes a start from about 2.5 s to about 0.4 s.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";

// Node 20's V8 can crash ("Fatal error ... unreachable code" in the deoptimizer) when a JS->Wasm
// call that TurboFan inlined is deoptimised while a PyProxy callback is on the stack - e.g. a
// TransformStream whose transform is a Python function, after a few thousand requests. Turning
// that one inlining off avoids it; it must happen before any Pyodide code is optimised.
v8.setFlagsFromString("--no-turbo-inline-js-wasm-calls");

const SESSION_DIR = "/session/metadata";
const GLUE_DIR = "/session/runtime";
const GLUE_FILE = new URL("./glue.py", import.meta.url);

// Standard-library modules the SDK and the Worker import; importing them before the snapshot is
// taken makes them free at every later start.
const PRELOAD = [
  "asyncio",
  "base64",
  "collections.abc",
  "contextlib",
  "dataclasses",
  "datetime",
  "email.message",
  "email.parser",
  "enum",
  "functools",
  "hashlib",
  "http",
  "http.client",
  "importlib",
  "inspect",
  "json",
  "re",
  "secrets",
  "string",
  "traceback",
  "typing",
  "urllib.parse",
  "uuid",
];

// Compatibility flags the SDK reads; wrangler.toml's compatibility_flags switch them on.
const DEFAULT_COMPAT_FLAGS = {
  python_request_headers_preserve_commas: false,
  python_workflows_implicit_dependencies: false,
};

/** What a request handler receives as `ctx`; the SDK checks that it is an ExecutionContext. */
class ExecutionContext {
  constructor(onError) {
    this.props = {};
    this.onError = onError;
  }

  waitUntil(promise) {
    Promise.resolve(promise).catch((err) => this.onError(err));
  }

  passThroughOnException() {}

  get [Symbol.toStringTag]() {
    return "ExecutionContext";
  }
}

/** The assets binding. The SDK recognises a service binding by the class name `Fetcher`. */
class Fetcher {
  #handler;

  constructor(handler) {
    this.#handler = handler;
  }

  fetch(input, init) {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    return this.#handler(request);
  }

  connect() {
    throw new Error("connect() on this binding is not supported by the local runtime");
  }
}

function unsupported(what) {
  return () => {
    throw new Error(`${what} is not supported by the local runtime (it needs workerd)`);
  };
}

function copyTree(pyodide, fromDir, toDir) {
  pyodide.FS.mkdirTree(toDir);
  for (const entry of fs.readdirSync(fromDir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "__pycache__") continue;
    const from = path.join(fromDir, entry.name);
    const to = `${toDir}/${entry.name}`;
    if (entry.isDirectory()) copyTree(pyodide, from, to);
    else if (entry.isFile()) pyodide.FS.writeFile(to, new Uint8Array(fs.readFileSync(from)));
  }
}

function snapshotKey(pyodideVersion) {
  const h = crypto.createHash("sha256");
  h.update(JSON.stringify({ pyodideVersion, node: process.version, arch: process.arch, PRELOAD, v: 1 }));
  return h.digest("hex").slice(0, 16);
}

async function loadInterpreter({ pyodideDir, snapshotDir, log }) {
  const { loadPyodide, version } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
  const common = {
    indexURL: pyodideDir + path.sep,
    stdout: (line) => log(line),
    stderr: (line) => log(line),
  };
  const preload = `import ${PRELOAD.join(", ")}`;
  if (!snapshotDir) {
    const pyodide = await loadPyodide(common);
    pyodide.runPython(preload);
    return { pyodide, how: "no snapshot" };
  }
  const file = path.join(snapshotDir, `pyodide-${version}-${snapshotKey(version)}.snapshot`);
  if (fs.existsSync(file)) {
    try {
      const pyodide = await loadPyodide({ ...common, _loadSnapshot: new Uint8Array(fs.readFileSync(file)) });
      // Pyodide keeps the snapshot bytes in its config; they are not needed again (20 MB of RSS).
      if (pyodide._api?.config) pyodide._api.config._loadSnapshot = undefined;
      return { pyodide, how: "from snapshot" };
    } catch (err) {
      log(`runtime: the Pyodide snapshot ${file} did not load (${err.message}); rebuilding it`);
      fs.rmSync(file, { force: true });
    }
  }
  const pyodide = await loadPyodide({ ...common, _makeSnapshot: true });
  pyodide.runPython(preload);
  try {
    const snapshot = pyodide.makeMemorySnapshot();
    fs.mkdirSync(snapshotDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, snapshot);
    fs.renameSync(tmp, file); // atomic: two runtimes starting at once both end with a whole file
    return { pyodide, how: "snapshot built for the next start" };
  } catch (err) {
    log(`runtime: could not save a Pyodide snapshot (${err.message}); starts stay slower`);
    return { pyodide, how: "no snapshot" };
  }
}

/**
 * Load Pyodide, the SDK and the Worker. Returns `{ dispatch(request) -> Promise<Response>, how }`.
 * `assetsHandler(request)` serves the ASSETS binding (or null when the Worker has no assets).
 */
export async function startWorkerHost({ config, pyodideDir, wheelFile, snapshotDir, assetsHandler, log }) {
  const { pyodide, how } = await loadInterpreter({ pyodideDir, snapshotDir, log });

  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  pyodide.unpackArchive(new Uint8Array(fs.readFileSync(wheelFile)), "wheel", { extractDir: sitePackages });

  const env = { ...config.vars };
  if (config.assets?.binding && assetsHandler) env[config.assets.binding] = new Fetcher(assetsHandler);

  const onWaitUntilError = (err) => log(`worker: a waitUntil promise failed: ${err?.name ?? "Error"}`);
  let currentCtx = null;
  const compatFlags = { ...DEFAULT_COMPAT_FLAGS };
  for (const flag of config.compatibilityFlags) compatFlags[flag] = true;
  pyodide.registerJsModule("_cloudflare_compat_flags", compatFlags);
  const helper = {
    cloudflareWorkersModule: {
      env,
      waitUntil: (promise) => (currentCtx ?? new ExecutionContext(onWaitUntilError)).waitUntil(promise),
    },
    cloudflareSocketsModule: { connect: unsupported("cloudflare:sockets connect()") },
    doAnImport: (name) =>
      Promise.reject(new Error(`importing the JS module "${name}" is not supported by the local runtime`)),
    patchWaitUntil: (ctx) => {
      currentCtx = ctx;
    },
  };
  pyodide.registerJsModule("_pyodide_entrypoint_helper", helper);

  copyTree(pyodide, config.mainDir, SESSION_DIR);
  pyodide.FS.mkdirTree(GLUE_DIR);
  pyodide.FS.writeFile(`${GLUE_DIR}/_local_runtime_glue.py`, fs.readFileSync(GLUE_FILE, "utf8"));
  pyodide.runPython(
    `import sys\nfor p in (${JSON.stringify(GLUE_DIR)}, ${JSON.stringify(SESSION_DIR)}):\n    sys.path.insert(0, p)`,
  );

  const glue = pyodide.pyimport("_local_runtime_glue");
  helper.patch_env_helper = glue.patch_env_helper;
  glue.load(config.mainModule, env);
  const pyDispatch = glue.dispatch;

  /** Run the Worker's fetch for `request`. Rejects with the Python traceback text on a crash. */
  function dispatch(request) {
    return new Promise((resolve, reject) => {
      const ctx = new ExecutionContext(onWaitUntilError);
      pyDispatch(request, ctx, (response, errorText) => {
        if (response instanceof Response) resolve(response);
        else if (response)
          reject(
            new WorkerError(
              `TypeError: fetch returned a JS ${response?.constructor?.name ?? typeof response}, not a Response`,
            ),
          );
        else reject(new WorkerError(errorText ?? "unknown error"));
      });
    });
  }
  return { dispatch, how, pyodide };
}

export class WorkerError extends Error {
  constructor(traceback) {
    super("the Worker raised an exception");
    this.traceback = traceback;
  }
}
