// The local runtime: runs the Python Worker named by wrangler.toml in Pyodide under Node, serves
// its static assets, and listens on HOST:PORT (default 127.0.0.1:8787). `make worker` starts it.
//
// Environment: PORT, HOST; any [vars] name overrides that var; WRANGLER_CONFIG (another
// wrangler.toml), RUNTIME_WHEEL_DIR, RUNTIME_PYODIDE_DIR, RUNTIME_SNAPSHOT_DIR, RUNTIME_SNAPSHOT=0
// (start without the Pyodide memory snapshot), RUNTIME_OPTIMIZE_FOR_SIZE=0 (V8's default GC sizing).
//
// `node runtime/server.mjs --prepare` loads everything (building the start-up snapshot if it is
// missing), checks that the Worker imports, and exits without listening: `make setup` can run it
// so that even the first start is fast.

import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { checkNode, findPyodide, findSdkWheel, PreflightError } from "./preflight.mjs";

const started = performance.now();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function log(line) {
  process.stdout.write(line.endsWith("\n") ? line : `${line}\n`);
}

function fail(message) {
  process.stderr.write(`runtime: cannot start: ${message}\n`);
  process.exit(1);
}

async function main() {
  let pyodideInfo;
  let wheelFile;
  try {
    checkNode();
    pyodideInfo = findPyodide(ROOT);
    wheelFile = findSdkWheel(ROOT);
  } catch (err) {
    if (err instanceof PreflightError) fail(err.message);
    throw err;
  }

  // V8's size-optimised GC heuristics keep resident memory near the live size (measured: RSS
  // growth over 10,000 requests +35 MB instead of +105 MB; flat over 20,000) at the price of more
  // GC work: about the same per request, but a burst of 500 streams opens ~35% slower.
  // RUNTIME_OPTIMIZE_FOR_SIZE=0 turns it off. Set before anything is loaded.
  if (process.env.RUNTIME_OPTIMIZE_FOR_SIZE !== "0") v8.setFlagsFromString("--optimize-for-size");

  // Only now load the rest: it needs a current Node.
  const [
    { loadConfig, ConfigError },
    { TomlError },
    { AssetServer },
    { createRouter },
    { installFetchShim },
    { startWorkerHost },
    { createHttpServer },
  ] = await Promise.all([
    import("./config.mjs"),
    import("./toml.mjs"),
    import("./assets.mjs"),
    import("./routing.mjs"),
    import("./fetch-shim.mjs"),
    import("./pyodide-host.mjs"),
    import("./http-bridge.mjs"),
  ]);

  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TomlError) fail(err.message);
    throw err;
  }
  const port = Number(process.env.PORT ?? 8787);
  const host = process.env.HOST || "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`PORT must be a port number (got "${process.env.PORT}")`);

  const assets = config.assets ? new AssetServer(config.assets.directory) : null;
  installFetchShim();
  const snapshotDir =
    process.env.RUNTIME_SNAPSHOT === "0"
      ? null
      : path.resolve(process.env.RUNTIME_SNAPSHOT_DIR || path.join(ROOT, ".cache", "pyodide-snapshot"));

  let worker;
  try {
    worker = await startWorkerHost({
      config,
      pyodideDir: pyodideInfo.dir,
      wheelFile,
      snapshotDir,
      assetsHandler: assets ? (request) => assets.fetch(request) : null,
      log,
    });
  } catch (err) {
    const detail = err?.type ? `${err.type}: ${err.message}` : (err?.stack ?? String(err));
    fail(`the Worker ${path.relative(ROOT, config.mainPath)} did not load:\n${detail}`);
  }

  if (process.argv.includes("--prepare")) {
    log(
      `runtime: prepared in ${Math.round(performance.now() - started)} ms (${worker.how}); ${path.relative(ROOT, config.mainPath)} imports cleanly`,
    );
    process.exit(0);
  }

  // With the size-optimised GC, the young generation grows only during bursts (see the module).
  if (process.env.RUNTIME_OPTIMIZE_FOR_SIZE !== "0")
    (await import("./young-generation.mjs")).enableLoadAwareYoungGeneration();

  const route = createRouter({ assets, runWorkerFirst: config.assets?.runWorkerFirst, runWorker: worker.dispatch });
  const server = createHttpServer({
    handle: route,
    log,
    fallbackHost: `${host}:${port}`,
    requestSignal: config.compatibilityFlags.includes("enable_request_signal"),
  });
  server.on("error", (err) => {
    if (err.code === "EADDRINUSE") fail(`${host}:${port} is already in use; stop what runs there or set PORT`);
    fail(`cannot listen on ${host}:${port}: ${err.message}`);
  });
  server.listen({ port, host, backlog: 4096 }, () => {
    const bound = server.address().port;
    const ms = Math.round(performance.now() - started);
    const urlHost = host.includes(":") ? `[${host}]` : host;
    log(
      `tasks-sse local runtime: ${path.relative(ROOT, config.mainPath)} in Pyodide ${pyodideInfo.version} (Node ${process.versions.node}), ready in ${ms} ms (${worker.how})`,
    );
    log(
      `  vars: ${Object.keys(config.vars).join(", ") || "(none)"}${config.assets ? `; assets: ${path.relative(ROOT, config.assets.directory) || "."}` : ""}`,
    );
    log(`  ready: http://${urlHost}:${bound}/tasks-sse/`);
  });

  const shutdown = (signal) => {
    log(`runtime: ${signal}, shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err) => fail(err?.stack ?? String(err)));
