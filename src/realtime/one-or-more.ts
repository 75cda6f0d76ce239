// What a map holds for a key when most keys have one value and some have more: the value itself,
// or a Set of them. A topic mostly has one listener, a token one socket, a socket one operation,
// and a Set costs about 0.15 KB more than holding the one value.

/** One value, or a Set of two or more (T is never a Set itself). */
export type OneOrMore<T> = T | Set<T>;

export function withAdded<T>(held: OneOrMore<T> | undefined, value: T): OneOrMore<T> {
  if (held === undefined || held === value) return value;
  if (held instanceof Set) return held.add(value);
  return new Set([held, value]);
}

/** What is held once value is gone: undefined when nothing is left. */
export function withRemoved<T>(held: OneOrMore<T> | undefined, value: T): OneOrMore<T> | undefined {
  if (!(held instanceof Set)) return held === value ? undefined : held;
  held.delete(value);
  if (held.size > 1) return held;
  const [last] = held;
  return last;
}

/** Each value held, in a copy: the caller may add or remove while it goes through them. */
export function eachOf<T>(held: OneOrMore<T> | undefined): T[] {
  if (held === undefined) return [];
  return held instanceof Set ? [...held] : [held];
}

/** The first value held that passes test. */
export function findIn<T>(held: OneOrMore<T> | undefined, test: (value: T) => boolean): T | undefined {
  if (!(held instanceof Set)) return held !== undefined && test(held) ? held : undefined;
  for (const value of held) if (test(value)) return value;
  return undefined;
}
