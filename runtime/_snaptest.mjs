import { loadPyodide } from "pyodide";
import fs from "node:fs";
const indexURL = new URL("../node_modules/pyodide/", import.meta.url).pathname;
if (process.argv[2] === "make") {
  const py = await loadPyodide({ indexURL, _makeSnapshot: true });
  py.runPython("import asyncio, json, http.client");
  const snap = py.makeMemorySnapshot();
  fs.writeFileSync("/tmp/snap/s.bin", snap);
  console.log("snap bytes", snap.length);
} else {
  const t0 = performance.now();
  const snap = fs.readFileSync("/tmp/snap/s.bin");
  const py = await loadPyodide({ indexURL, _loadSnapshot: new Uint8Array(snap) });
  console.log("load", performance.now() - t0);
  const t1 = performance.now();
  py.runPython("import asyncio, json, http.client");
  console.log("imports", performance.now() - t1, process.memoryUsage().rss/1e6);
}
