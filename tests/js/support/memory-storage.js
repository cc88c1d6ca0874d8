// A Web Storage stand-in for the node tests (localStorage's getItem/setItem/removeItem), with an
// optional quota in characters so tests can make setItem throw as a full browser store does.

export function memoryStorage(initial = {}, { quota = Infinity } = {}) {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => {
      const used = [...map.entries()].reduce((n, [key, val]) => n + (key === k ? 0 : val.length), 0);
      if (used + String(v).length > quota) throw new Error("QuotaExceededError");
      map.set(k, String(v));
    },
    removeItem: (k) => map.delete(k),
    get size() {
      return map.size;
    },
  };
}
