/**
 * Property access that never reaches `Object.prototype`. The executor's objects are plain `{}`
 * (V8 keeps them in fast mode, where `Object.create(null)` objects are dictionaries), so a key a
 * client or a subgraph chose (`__proto__`, `constructor`, `toString` as an alias) must be read as
 * an own property and written as one: assigning `__proto__` would replace the prototype.
 */
const hasOwnProperty = Object.prototype.hasOwnProperty;

/** True for names that a plain object inherits (so plain `o[name]` would read the prototype). */
export function isInheritedName(name: string): boolean {
  return name in Object.prototype;
}

export function ownValue(object: object, key: string): unknown {
  return hasOwnProperty.call(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

export function hasOwn(object: object, key: string): boolean {
  return hasOwnProperty.call(object, key);
}

/** Sets an own, enumerable property, also for `__proto__`. */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}
