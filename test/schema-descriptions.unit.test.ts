// The schema explains itself: every type, field, argument, input field and enum value has a description, in Parley's own words.
import {
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isIntrospectionType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { parleySchema, printedSchema } from "../src/schema.js";

const described = (description: string | null | undefined) => (description ?? "").trim().length > 0;

/** Coordinates (Type, Type.field, Type.field(arg:), Enum.VALUE) of whatever has no description. */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    // Built-in scalars and introspection types are graphql-js's, described there.
    if (isSpecifiedScalarType(type) || isIntrospectionType(type)) continue;
    const isRoot = type === schema.getQueryType() || type === schema.getMutationType() || type === schema.getSubscriptionType();
    if (!isRoot && !described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (!described(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing.sort();
}

describe("schema descriptions", () => {
  it("every type, field, argument, input field and enum value is described", async () => {
    expect(undescribed(await parleySchema())).toEqual([]);
  });

  it("names no other vendor's SDK", async () => {
    expect((await printedSchema()).match(/mesibo|\bsdk\b/gi) ?? []).toEqual([]);
  });
});
