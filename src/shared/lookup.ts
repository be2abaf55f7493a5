/**
 * A table entry for a key that came from outside: only the table's own
 * entries count. `TABLE[key]` would also find `constructor`, `toString` or
 * `__proto__` on Object.prototype, and a name like `/feed/constructor` would
 * reach code that expected one of the table's values.
 */
export function lookup<V>(table: Readonly<Record<string, V>>, key: string | undefined): V | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
