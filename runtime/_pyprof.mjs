import http from "node:http";
import { loadConfig } from "./config.mjs";
import { startWorkerHost } from "./pyodide-host.mjs";
import { installFetchShim } from "./fetch-shim.mjs";
const up = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, {"content-type": "application/json", "x-request-id": "abc", "date": "x", "server": "y"}); res.end('{"ok":true}'); }); });
await new Promise(r => up.listen(0, "127.0.0.1", r));
process.env.PARALLEL_API_ORIGIN = `http://127.0.0.1:${up.address().port}`;
installFetchShim();
const host = await startWorkerHost({ config: loadConfig(), pyodideDir: "node_modules/pyodide", wheelFile: ".cache/wheels/workers_runtime_sdk-1.9.5-py3-none-any.whl", snapshotDir: ".cache/pyodide-snapshot", assetsHandler: null, log: console.log });
const mk = () => new Request("http://127.0.0.1:8787/tasks-sse/api/v1/tasks/runs", { method: "POST", body: '{"input":"x"}', headers: { "x-api-key": "k", "content-type": "application/json", "content-length": "13", "accept": "*/*", "user-agent": "bench", "accept-encoding": "gzip", "connection": "keep-alive" } });
for (let i = 0; i < 300; i++) { const r = await host.dispatch(mk()); await r.arrayBuffer(); }
host.pyodide.runPython("import cProfile; _prof = cProfile.Profile(); _prof.enable()");
for (let i = 0; i < 2000; i++) { const r = await host.dispatch(mk()); await r.arrayBuffer(); }
host.pyodide.runPython("_prof.disable(); import pstats, io; s = io.StringIO(); pstats.Stats(_prof, stream=s).sort_stats('tottime').print_stats(30); print(s.getvalue()[:6000])");
process.exit(0);
