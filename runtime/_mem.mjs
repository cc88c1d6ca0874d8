import http from "node:http";
import { loadConfig } from "./config.mjs";
import { startWorkerHost } from "./pyodide-host.mjs";
import { installFetchShim, withClientSignal } from "./fetch-shim.mjs";
const up = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, {"content-type": "application/json"}); res.end('{"ok":true}'); }); });
await new Promise(r => up.listen(0, "127.0.0.1", r));
process.env.PARALLEL_API_ORIGIN = `http://127.0.0.1:${up.address().port}`;
installFetchShim();
const config = loadConfig();
const host = await startWorkerHost({ config, pyodideDir: "node_modules/pyodide", wheelFile: ".cache/wheels/workers_runtime_sdk-1.9.5-py3-none-any.whl", snapshotDir: ".cache/pyodide-snapshot", assetsHandler: null, log: console.log });
const kinds = {
  config: () => new Request("http://127.0.0.1:8787/tasks-sse/config.json"),
  get: () => new Request("http://127.0.0.1:8787/tasks-sse/api/v1/tasks/runs/abc", { headers: { "x-api-key": "k" } }),
  post: () => new Request("http://127.0.0.1:8787/tasks-sse/api/v1/tasks/runs", { method: "POST", body: '{"input":"x"}', headers: { "x-api-key": "k", "content-type": "application/json" } }),
};
const mk = kinds[process.argv[2] ?? "get"];
const py = host.pyodide;
function stats(label) {
  global.gc?.(); 
  py.runPython("import gc; gc.collect()");
  const m = process.memoryUsage();
  const wasm = py._module.HEAPU8.length;
  console.log(label, "rss", (m.rss/1e6).toFixed(1), "heapUsed", (m.heapUsed/1e6).toFixed(1), "ext", (m.external/1e6).toFixed(1), "wasm", (wasm/1e6).toFixed(1), "pyobjs", py.runPython("import gc; len(gc.get_objects())"));
}
stats("start");
for (let round = 0; round < 5; round++) {
  for (let i = 0; i < 2000; i++) { const ac = new AbortController(); const r = await withClientSignal(ac.signal, () => host.dispatch(mk())); await r.arrayBuffer(); }
  stats(`after ${(round+1)*2000}`);
}
process.exit(0);
