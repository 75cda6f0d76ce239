// Request limits for both doors (HTTP and WebSocket): graphql-armor's depth, alias and directive
// rules, graphql-js's own token limit at parse time, and the introspection switch. The cost limit
// needs the variables (list sizes may come from them): ./cost.ts, applied by checkOperation.
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { type GraphQLError, NoSchemaIntrospectionCustomRule, type ParseOptions, type ValidationContext, type ValidationRule } from "graphql";
import type { Config } from "../config.js";

/**
 * graphql-armor throws its rejection out of validate() by default, which both doors would turn
 * into an internal error; reported to the validation context instead, it is a validation error
 * like any other (400, GRAPHQL_VALIDATION_FAILED) and validation goes on to report the rest.
 */
const asValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

export function validationRules(config: Config): ValidationRule[] {
  const { limits } = config;
  const rules = [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, ...asValidationError }),
    maxAliasesRule({ n: limits.maxAliases, ...asValidationError }),
    maxDirectivesRule({ n: limits.maxDirectives, ...asValidationError }),
  ] as ValidationRule[];
  if (!config.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

export function parseOptions(config: Config): ParseOptions {
  return { maxTokens: config.limits.maxTokens };
}
