// The cost limit (MAX_QUERY_COST): how many values an operation's answer could hold at most. Each
// field counts 1; a list field counts its largest size times what one item selects (a scalar item
// counts 1), so lists multiply through nesting. The largest size is the list's limit argument or a
// declared maximum (participants ≤ MAX_GROUP_SIZE, …), given with type-graphql's complexity option
// and counted by graphql-query-complexity with the operation's variables, before anything runs. An
// operation whose variables cannot change its cost (the send mutations') is counted once.
import { type ASTNode, BREAK, type DocumentNode, getVariableValues, GraphQLError, type GraphQLSchema, type OperationDefinitionNode, visit } from "graphql";
import { type ComplexityEstimator, type ComplexityEstimatorArgs, fieldExtensionsEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";
import type { Config } from "../config.js";
import { argumentSites, operationWithFragments } from "./argument-sites.js";

/** The list sizes that only the configuration knows, handed to the complexity functions. */
export interface ListBounds {
  maxGroupSize: number;
  /** PROFILE_CUSTOM_FIELDS: a profile holds at most one value per configured key. */
  customFields: number;
}

type Largest = (bounds: ListBounds, args: Record<string, unknown>) => number;

/** The complexity option of a list field whose size is at most largest(bounds, args). */
export function listOf(largest: Largest): ComplexityEstimator {
  return ({ childComplexity, args, context }: ComplexityEstimatorArgs) =>
    1 + largest((context as { bounds: ListBounds }).bounds, args) * Math.max(childComplexity, 1);
}

/**
 * The size a limit argument asks for; a value outside 0..max is the resolver's to refuse (it
 * counts as max here, so the answer to a refused request is never what decides).
 */
export function limitArgument(max: number): Largest {
  return (_bounds, args) => {
    const limit = args.limit;
    return typeof limit === "number" && limit >= 0 && limit <= max ? limit : max;
  };
}

/** The length of a list argument (forwardMessages' messageIds), at most max. */
export function lengthOf(argument: string, max: number): (args: Record<string, unknown>) => number {
  return (args) => {
    const list = args[argument];
    return Array.isArray(list) ? Math.min(list.length, max) : max;
  };
}

/**
 * graphql-query-complexity visits every selection once per use of its fragment; past this many the
 * count stops and the operation is refused (fragments spread inside fragments multiply).
 */
const MAX_COUNTED_SELECTIONS = 20_000;

/** Whether a variable occurs anywhere in the node (an argument's value, at any depth). */
function usesVariable(node: ASTNode): boolean {
  let found = false;
  visit(node, {
    Variable() {
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * Whether the operation's cost may differ with its variables: a variable decides a directive
 * (@include, @skip) or is an argument of a field whose cost is a function of its arguments.
 */
function costVaries(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const counted = argumentSites(schema, document, operation).some(({ field, node }) => typeof field.extensions.complexity === "function" && node.arguments!.some(usesVariable));
  if (counted) return true;
  let decided = false;
  visit(operationWithFragments(document, operation), {
    Directive(node) {
      if (!usesVariable(node)) return undefined;
      decided = true;
      return BREAK;
    },
  });
  return decided;
}

export class CostLimit {
  private readonly bounds: ListBounds;
  readonly max: number;
  /**
   * The cost of each operation whose variables cannot change it, or "varies", by document. Keyed by
   * the tree: both doors hand in the same one for the same text (Apollo's document store,
   * ValidDocuments), so this holds what their bounded stores hold, and no more.
   */
  private readonly known = new WeakMap<DocumentNode, Map<OperationDefinitionNode, number | "varies">>();

  constructor(
    private readonly schema: GraphQLSchema,
    config: Config,
  ) {
    this.bounds = { maxGroupSize: config.maxGroupSize, customFields: config.profileCustomFields.length };
    this.max = config.limits.maxCost;
  }

  /**
   * The operation's cost with these variables; undefined when they do not fit (execution refuses
   * them). variablesFit: the caller has coerced them already, and says whether they fit.
   */
  cost(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, variablesFit?: boolean): number | undefined {
    let costs = this.known.get(document);
    const known = costs?.get(operation);
    if (typeof known === "number") return (variablesFit ?? this.fit(operation, variables)) ? known : undefined;
    const cost = this.count(document, operation, variables);
    // Counted with variables that fit (undefined otherwise): the same for any others that do.
    if (known === undefined && cost !== undefined) {
      if (!costs) this.known.set(document, (costs = new Map()));
      costs.set(operation, costVaries(this.schema, document, operation) ? "varies" : cost);
    }
    return cost;
  }

  /** Whether the variables fit the operation's definitions, as getComplexity requires. */
  private fit(operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): boolean {
    const definitions = operation.variableDefinitions ?? [];
    return definitions.length === 0 || getVariableValues(this.schema, definitions, variables ?? {}).errors === undefined;
  }

  private count(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): number | undefined {
    try {
      return getComplexity({
        schema: this.schema,
        query: document,
        operationName: operation.name?.value,
        variables: variables ?? {},
        context: { bounds: this.bounds },
        estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
        maxQueryNodes: MAX_COUNTED_SELECTIONS,
      });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      if (/maximum allowed number of nodes/.test(error.message)) return Infinity;
      return undefined;
    }
  }

  /** GRAPHQL_VALIDATION_FAILED (400) saying the cost and the limit, when the operation costs more than the limit. */
  refusal(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, variablesFit?: boolean): GraphQLError | undefined {
    const cost = this.cost(document, operation, variables, variablesFit);
    if (cost === undefined || cost <= this.max) return undefined;
    const counted = Number.isFinite(cost);
    const found = counted ? `costs ${cost}` : `selects more than ${MAX_COUNTED_SELECTIONS} fields once its fragments are spread`;
    return new GraphQLError(
      `Query cost limit of ${this.max} exceeded: this operation ${found} (each field it may return counts 1, a list its largest size times its items' fields). Select fewer fields, or ask lists for fewer items with their limit argument.`,
      { extensions: { code: "GRAPHQL_VALIDATION_FAILED", ...(counted ? { cost } : {}), maxCost: this.max, http: { status: 400 } } },
    );
  }
}
