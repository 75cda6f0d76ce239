// Where an operation's arguments are: every field of the operation, and of the fragments it may
// spread, that takes arguments, with its definition. Found by one walk of the document with its
// types the first time an operation is checked; the door's checks that read arguments (the strings,
// the cost) then look only at these.
import { type DocumentNode, type FieldNode, type GraphQLField, type GraphQLSchema, Kind, type OperationDefinitionNode, TypeInfo, visit, visitWithTypeInfo } from "graphql";

/** A field of the operation (or of a fragment) that takes arguments, with its definition. */
export interface ArgumentSite {
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
}

/**
 * The argument sites of each operation, by schema and document. Both doors hand in the same tree
 * for the same text (Apollo's document store, the socket's ValidDocuments), so this holds what
 * their bounded stores hold, and no more.
 */
const sitesBySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<OperationDefinitionNode, ArgumentSite[]>>>();

/** The operation and the fragments it may spread: what runs. */
export function operationWithFragments(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  return { kind: Kind.DOCUMENT, definitions: document.definitions.filter((d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION) };
}

/** The fields that take arguments, in document order, with their definitions (fields the schema does not know are left out). */
export function argumentSites(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): readonly ArgumentSite[] {
  let byDocument = sitesBySchema.get(schema);
  if (!byDocument) sitesBySchema.set(schema, (byDocument = new WeakMap()));
  let byOperation = byDocument.get(document);
  if (!byOperation) byDocument.set(document, (byOperation = new Map()));
  const known = byOperation.get(operation);
  if (known) return known;
  const sites: ArgumentSite[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    operationWithFragments(document, operation),
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        if (field && node.arguments?.length) sites.push({ field, node });
      },
    }),
  );
  byOperation.set(operation, sites);
  return sites;
}
