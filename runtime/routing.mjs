// Who answers a request, as on Cloudflare: paths matching `run_worker_first` go straight to the
// Worker; other GET/HEAD requests are tried as static assets first and fall through to the Worker
// when no asset matches. Patterns: `*` matches anything (slashes too), a leading `!` excludes.

function compile(pattern) {
  const re = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${re}$`);
}

/** A predicate: does this pathname go to the Worker before assets? */
export function workerFirstMatcher(patterns) {
  const include = [];
  const exclude = [];
  for (const p of patterns) {
    if (p.startsWith("!")) exclude.push(compile(p.slice(1)));
    else include.push(compile(p));
  }
  return (pathname) => include.some((r) => r.test(pathname)) && !exclude.some((r) => r.test(pathname));
}

/**
 * `(request) => Promise<Response>` that routes between the Worker (`runWorker`) and the asset
 * server (null when the Worker has no assets).
 */
export function createRouter({ assets, runWorkerFirst, runWorker }) {
  const workerFirst = workerFirstMatcher(runWorkerFirst ?? []);
  return async (request, pathname) => {
    if (!assets || workerFirst(pathname) || (request.method !== "GET" && request.method !== "HEAD")) {
      return runWorker(request);
    }
    return (await assets.match(request)) ?? runWorker(request);
  };
}
