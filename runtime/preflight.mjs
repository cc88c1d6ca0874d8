// Everything the runtime needs before it can start, each missing piece reported with the command
// that fixes it. Plain checks on the file system only, so they run in milliseconds.

import fs from "node:fs";
import path from "node:path";

export const MIN_NODE_MAJOR = 20;

export class PreflightError extends Error {}

export function checkNode(version = process.versions.node) {
  const major = Number(version.split(".")[0]);
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new PreflightError(
      `Node ${MIN_NODE_MAJOR} or newer is required (this is Node ${version}). Install Node ${MIN_NODE_MAJOR}+ and run make setup.`,
    );
  }
}

/** The Pyodide package folder (node_modules/pyodide, or RUNTIME_PYODIDE_DIR). */
export function findPyodide(root, env = process.env) {
  const dir = path.resolve(env.RUNTIME_PYODIDE_DIR || path.join(root, "node_modules", "pyodide"));
  const needed = ["pyodide.mjs", "pyodide.asm.wasm", "pyodide.asm.js", "python_stdlib.zip", "package.json"];
  const missing = needed.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) {
    throw new PreflightError(
      `Pyodide is not installed: ${dir} lacks ${missing.join(", ")}. Run make setup (it runs npm ci).`,
    );
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  return { dir, version };
}

/** The workers-runtime-sdk version pinned in requirements.lock, if any. */
function pinnedSdkVersion(root) {
  try {
    const lock = fs.readFileSync(path.join(root, "requirements.lock"), "utf8");
    return /^workers-runtime-sdk==([^\s;]+)/m.exec(lock)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** The Workers SDK wheel (.cache/wheels, or RUNTIME_WHEEL_DIR), the pinned version if known. */
export function findSdkWheel(root, env = process.env) {
  const dir = path.resolve(env.RUNTIME_WHEEL_DIR || path.join(root, ".cache", "wheels"));
  const pinned = pinnedSdkVersion(root);
  let files = [];
  try {
    files = fs.readdirSync(dir).filter((f) => /^workers_runtime_sdk-.+-py3-none-any\.whl$/.test(f));
  } catch {
    // reported below
  }
  const wanted = pinned ? `workers_runtime_sdk-${pinned}-py3-none-any.whl` : null;
  const file = wanted ? files.find((f) => f === wanted) : files.sort().at(-1);
  if (!file) {
    const what = wanted ?? "workers_runtime_sdk-*.whl";
    throw new PreflightError(
      `The Workers SDK wheel is missing: no ${what} in ${dir}. Run make setup (it downloads the wheel).`,
    );
  }
  return path.join(dir, file);
}
