// Request limits for both doors (HTTP and WebSocket): graphql-armor's depth, cost, alias and
// directive rules, graphql-js's own token limit at parse time, and the introspection switch.
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { NoSchemaIntrospectionCustomRule, type ParseOptions, type ValidationRule } from "graphql";
import type { Config } from "../config.js";

export function validationRules(config: Config): ValidationRule[] {
  const { limits } = config;
  const rules = [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true }),
    costLimitRule({ maxCost: limits.maxCost, ignoreIntrospection: true }),
    maxAliasesRule({ n: limits.maxAliases }),
    maxDirectivesRule({ n: limits.maxDirectives }),
  ] as ValidationRule[];
  if (!config.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

export function parseOptions(config: Config): ParseOptions {
  return { maxTokens: config.limits.maxTokens };
}
