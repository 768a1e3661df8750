// How config errors name a place and suggest a fix, the same for `check`'s settings, the guard's
// bindings and `serve`'s servers: a dotted key path, and the closest known name.

/** `schemes.oauth.audience`, `check.rules.security-foo`; keys that are not plain words are quoted. */
export function formatKeyPath(path: readonly string[]): string {
  return path.map((k, i) => (/^[A-Za-z0-9_-]+$/.test(k) ? (i === 0 ? k : `.${k}`) : `[${JSON.stringify(k)}]`)).join('');
}

/** The candidate closest to `id` by edit distance (ties: the first in sorted order), for "did you mean". */
export function closestId(id: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    const d = editDistance(id, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
