// Reading values of hand-written queries: PostgreSQL returns bigint as text and timestamps as
// Date; SQLite returns integers as numbers, timestamps as UTC text and booleans as 0/1.

export function asId(value: unknown): string {
  return typeof value === "bigint" || typeof value === "number" ? value.toString() : String(value);
}

export function asDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "string") return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(" ", "T")}Z`);
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

export function asDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : asDate(value);
}

export function asBool(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "t";
}
