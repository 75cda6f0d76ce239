// Argument validation: class-validator rules on input classes, reported as BAD_USER_INPUT that
// names the failing field (input.email, input.customFields[0].key).
import { getNamedType, type GraphQLObjectType } from "graphql";
import { getMetadataStorage, validate, type ValidationError } from "class-validator";
import type { ResolverData } from "type-graphql";
import { badInput } from "./errors.js";

function firstFailure(errors: ValidationError[], path: string): { field: string; why: string } | undefined {
  for (const error of errors) {
    const field = /^\d+$/.test(error.property) ? `${path}[${error.property}]` : path ? `${path}.${error.property}` : error.property;
    const why = Object.values(error.constraints ?? {})[0];
    if (why) return { field, why: why.replace(new RegExp(`^${error.property} `), "") };
    const deeper = firstFailure(error.children ?? [], field);
    if (deeper) return deeper;
  }
  return undefined;
}

/** The name of the argument whose input type is the given class, e.g. "input". */
function argumentName(argType: unknown, data: ResolverData): string {
  const typeName = typeof argType === "function" ? argType.name : undefined;
  const field = (data.info.parentType as GraphQLObjectType).getFields()[data.info.fieldName];
  return field?.args.find((a) => getNamedType(a.type).name === typeName)?.name ?? "";
}

/** Input classes by whether class-validator has rules for them: most have none, and skip it. */
const hasRules = new Map<unknown, boolean>();

function ruled(argType: unknown): boolean {
  let known = hasRules.get(argType);
  if (known === undefined) {
    known = typeof argType !== "function" || getMetadataStorage().getTargetValidationMetadatas(argType, "", true, false).length > 0;
    hasRules.set(argType, known);
  }
  return known;
}

export async function validateArgument(value: unknown, argType: unknown, data: ResolverData): Promise<void> {
  if (value === null || typeof value !== "object" || !ruled(argType)) return;
  const items = Array.isArray(value) ? value : [value];
  const name = argumentName(argType, data);
  for (const [i, item] of items.entries()) {
    if (item === null || typeof item !== "object") continue;
    const errors = await validate(item, { skipMissingProperties: false, forbidUnknownValues: false });
    const failure = firstFailure(errors, Array.isArray(value) ? `${name}[${i}]` : name);
    if (failure) throw badInput(failure.field, failure.why);
  }
}
