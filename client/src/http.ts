// Queries and mutations over HTTP POST, the way Apollo Server's CSRF prevention accepts from any
// page: a JSON body (content-type: application/json is a preflighted type), never a simple GET.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DocumentNode, Kind, print } from "graphql";
import { type GraphQLErrorBody, ParleyError } from "./errors.js";

/** Operations without variables take none; the others require theirs. */
export type VariablesArg<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

// Printing is the costly part of sending a typed document; each is printed once.
const printed = new WeakMap<DocumentNode, string>();

export function sourceOf(document: DocumentNode): string {
  let source = printed.get(document);
  if (source === undefined) {
    source = print(document);
    printed.set(document, source);
  }
  return source;
}

export function operationName(document: DocumentNode): string {
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION && d.name) return d.name.value;
  return "operation";
}

export async function postGraphQL<R, V>(
  fetchImpl: typeof fetch,
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V | undefined,
  headers: Record<string, string>,
): Promise<R> {
  const name = operationName(document);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...headers },
      body: JSON.stringify({ query: sourceOf(document), operationName: name, variables: variables ?? {} }),
    });
  } catch (cause) {
    throw new ParleyError(`${name} failed: no answer from ${url}`, [], { code: "NETWORK_ERROR", cause });
  }
  let body: { data?: R | null; errors?: GraphQLErrorBody[] };
  try {
    body = (await response.json()) as typeof body;
  } catch (cause) {
    throw new ParleyError(`${name} failed: HTTP ${response.status} without a GraphQL answer`, [], { code: "NETWORK_ERROR", statusCode: response.status, cause });
  }
  if (body.errors?.length) throw ParleyError.fromErrors(name, body.errors, response.status);
  if (body.data == null) throw new ParleyError(`${name} failed: HTTP ${response.status} without data`, [], { statusCode: response.status });
  return body.data;
}
