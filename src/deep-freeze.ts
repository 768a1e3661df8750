// Freezes a value and every object reachable from it, so validated config, verified claims and
// keys cannot be changed after the check that made them trusted. Iterative, so a deeply nested
// value (a hostile token's claims) cannot exhaust the stack; an object already frozen is not
// walked again. Functions are left as they are.

export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const child of Object.values(v)) stack.push(child);
  }
  return value;
}
