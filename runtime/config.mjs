// The Worker's configuration as wrangler would see it: wrangler.toml (main, [vars], [assets],
// compatibility flags), then `.dev.vars` beside it, then environment variables of the same names.

import fs from "node:fs";
import path from "node:path";
import { parseToml } from "./toml.mjs";

export class ConfigError extends Error {}

/** Where wrangler.toml is: WRANGLER_CONFIG, else the repository root (this file's parent's parent). */
export function configPath(env = process.env) {
  if (env.WRANGLER_CONFIG) return path.resolve(env.WRANGLER_CONFIG);
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "wrangler.toml");
}

/** `.dev.vars` (dotenv format): KEY=VALUE lines, optional quotes, # comments. */
export function parseDevVars(text) {
  const vars = {};
  for (const rawLine of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    vars[m[1]] = value;
  }
  return vars;
}

function asStringList(value, name) {
  if (value === undefined || value === false) return [];
  if (value === true) return ["/*"];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  throw new ConfigError(`wrangler.toml: ${name} must be a boolean or a list of path patterns`);
}

export function loadConfig(env = process.env) {
  const file = configPath(env);
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(
      `cannot read ${file} (${err.code ?? err.message}); set WRANGLER_CONFIG or run from the repository`,
    );
  }
  const toml = parseToml(text, file);
  const root = path.dirname(file);
  if (typeof toml.main !== "string") throw new ConfigError(`${file}: "main" (the Worker's entry module) is missing`);
  const mainPath = path.resolve(root, toml.main);
  if (!fs.existsSync(mainPath)) throw new ConfigError(`${file}: main = "${toml.main}" does not exist (${mainPath})`);
  if (path.extname(mainPath) !== ".py")
    throw new ConfigError(`${file}: the local runtime runs Python Workers only (main = "${toml.main}")`);

  const vars = {};
  // As with wrangler, a non-string var (number, boolean, array) reaches the Worker as that value.
  for (const [k, v] of Object.entries(toml.vars ?? {})) vars[k] = v;
  const devVarsFile = path.join(root, ".dev.vars");
  if (fs.existsSync(devVarsFile)) Object.assign(vars, parseDevVars(fs.readFileSync(devVarsFile, "utf8")));
  // Environment variables of the same name win (PARALLEL_API_ORIGIN=... make worker).
  for (const name of Object.keys(vars)) {
    if (env[name] !== undefined) vars[name] = env[name];
  }

  const assets = toml.assets
    ? {
        directory: path.resolve(root, toml.assets.directory ?? "public"),
        binding: toml.assets.binding ?? null,
        runWorkerFirst: asStringList(toml.assets.run_worker_first, "assets.run_worker_first"),
      }
    : null;
  return {
    file,
    root,
    name: toml.name ?? "worker",
    mainPath,
    mainDir: path.dirname(mainPath),
    mainModule: path.basename(mainPath, ".py"),
    vars,
    assets,
    compatibilityDate: toml.compatibility_date ?? null,
    compatibilityFlags: asStringList(toml.compatibility_flags, "compatibility_flags"),
  };
}
