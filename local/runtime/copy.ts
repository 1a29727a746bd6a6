/**
 * Sets `key` as an own data property. Assignment would not for `__proto__`: it would replace the
 * prototype instead, while a JSON-parsed object (what Auth0 hands an Action) has it as an own key.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * A deep copy of plain data (objects and arrays; anything else is kept as it is), own keys as own
 * keys. Events and recorded effects are plain JSON-like data, and this is ~6x cheaper than
 * structuredClone on an event, which matters because every Action of every login gets its own copy.
 */
export function copyData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyData) as T;
  if (typeof value !== 'object' || value === null) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwn(out, key, copyData((value as Record<string, unknown>)[key]));
  return out as T;
}
