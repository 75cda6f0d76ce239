// Operations made from the schema for tests: where its string arguments are, a value of any input
// type, random valid operations (the fuzz test), each printed with variables or with literals.
import {
  getNamedType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";

export type RootKind = "query" | "mutation" | "subscription";
export type Path = (string | number)[];

/** A small seeded generator (mulberry32), so that a failing run can be replayed from its seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export function rootFields(schema: GraphQLSchema, kind: RootKind): GraphQLField<unknown, unknown>[] {
  const root = kind === "query" ? schema.getQueryType() : kind === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
  return Object.values(root?.getFields() ?? {});
}

/** "input.customFields[0].key", as extensions.field names it. */
export function pathName(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Every place a string (String or ID) can go in the field's arguments, through input objects and lists. */
export function stringPaths(field: GraphQLField<unknown, unknown>): Path[] {
  const walk = (type: GraphQLInputType, path: Path, seen: ReadonlySet<string>): Path[] => {
    if (isNonNullType(type)) return walk(type.ofType, path, seen);
    if (isListType(type)) return walk(type.ofType, [...path, 0], seen);
    if (isInputObjectType(type)) {
      if (seen.has(type.name)) return [];
      const inner = new Set([...seen, type.name]);
      return Object.values(type.getFields()).flatMap((f) => walk(f.type, [...path, f.name], inner));
    }
    return type.name === "String" || type.name === "ID" ? [path] : [];
  };
  return field.args.flatMap((a) => walk(a.type, [a.name], new Set()));
}

/** The least value of a type: required input fields only, one item per list, the first enum value. */
export function leastValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return leastValue(type.ofType);
  if (isListType(type)) return [leastValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(Object.values(type.getFields()).flatMap((f) => (isNonNullType(f.type) ? [[f.name, leastValue(f.type)]] : [])));
  }
  return { Int: 1, Float: 1, Boolean: true }[type.name] ?? "x";
}

/** The least value of the type that holds `leaf` at `path` (input objects keep their required fields). */
export function valueAlong(type: GraphQLInputType, path: Path, leaf: unknown): unknown {
  if (isNonNullType(type)) return valueAlong(type.ofType, path, leaf);
  if (path.length === 0) return leaf;
  const [key, ...rest] = path;
  if (isListType(type)) return [valueAlong(type.ofType, rest, leaf)];
  if (isInputObjectType(type)) {
    const field = type.getFields()[key as string]!;
    return { ...(leastValue(type) as object), [field.name]: valueAlong(field.type, rest, leaf) };
  }
  throw new Error(`no ${String(key)} in ${type.name}`);
}

/** The field's required arguments with their least values, and `leaf` at `path` (argument first). */
export function argsWith(field: GraphQLField<unknown, unknown>, path: Path, leaf: unknown): Record<string, unknown> {
  const arg = field.args.find((a) => a.name === path[0])!;
  return { ...requiredArgs(field), [arg.name]: valueAlong(arg.type, path.slice(1), leaf) };
}

/** The required arguments of a field, each with its least value. */
export function requiredArgs(field: GraphQLField<unknown, unknown>): Record<string, unknown> {
  return Object.fromEntries(field.args.flatMap((a) => (isNonNullType(a.type) ? [[a.name, leastValue(a.type)]] : [])));
}

/** A value as a GraphQL literal of its type (enum values bare, strings escaped). */
export function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return "null";
  if (isNonNullType(type)) return literal(value, type.ofType);
  if (isListType(type)) return Array.isArray(value) ? `[${value.map((v) => literal(v, type.ofType)).join(", ")}]` : literal(value, type.ofType);
  if (isEnumType(type)) return String(value);
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]!.type)}`)
      .join(", ")} }`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export interface Operation {
  query: string;
  variables: Record<string, unknown>;
}

/** One root field with these arguments and selection, its arguments as variables or as literals. */
export function operationOf(kind: RootKind, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, selection: string, asLiterals = false): Operation {
  const given = field.args.filter((a) => a.name in args);
  if (asLiterals) {
    const list = given.map((a) => `${a.name}: ${literal(args[a.name], a.type)}`).join(", ");
    return { query: `${kind} { ${field.name}${list ? `(${list})` : ""} ${selection} }`, variables: {} };
  }
  const definitions = given.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
  const list = given.map((a) => `${a.name}: $${a.name}`).join(", ");
  return {
    query: `${kind}${definitions ? `(${definitions})` : ""} { ${field.name}${list ? `(${list})` : ""} ${selection} }`,
    variables: Object.fromEntries(given.map((a) => [a.name, args[a.name]])),
  };
}

/** The least selection the field's type needs: nothing for a scalar or enum, __typename otherwise. */
export function leastSelection(type: GraphQLOutputType): string {
  return isLeafType(getNamedType(type)) ? "" : "{ __typename }";
}

/** A random selection of the type's fields, depth at most `depth` (an object always selects something). */
export function randomSelection(random: Random, type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return "";
  const fields = Object.values(named.getFields()).filter((f) => depth > 1 || isLeafType(getNamedType(f.type)));
  const chosen = fields.filter(() => random.chance(0.4));
  if (chosen.length === 0) chosen.push(random.pick(fields.length ? fields : Object.values(named.getFields())));
  return `{ ${chosen.map((f) => `${f.name} ${randomSelection(random, f.type, depth - 1)}`).join(" ")} }`;
}
