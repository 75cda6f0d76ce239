// The GraphQL playground: Ruru (GraphiQL with schema docs, a headers editor and graphql-ws
// subscriptions) at GET /graphql for browsers, with every asset served from this process, so it
// works on a machine without network access. Registered only when config.playground is on.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type RuruClientConfig, ruruHTML } from "ruru/server";
import { getStaticFile } from "ruru/static";

/** URL path of Ruru's bundled assets (scripts, styles, editor workers, font). */
export const PLAYGROUND_ASSETS = "/playground/";

const DEFAULT_QUERY = `# Parley GraphQL playground
#
# 1. Run Register, then Connect with the username and password it returned.
# 2. Open "Headers" below and paste the token:
#      { "Authorization": "Bearer <token>" }
#    Subscriptions send the same headers as graphql-ws connectionParams.
# 3. Open the docs (book icon, top left) to explore the schema.

mutation Register($userIdentifier: String!) {
  register(userIdentifier: $userIdentifier) { username password userJid }
}

mutation Connect($username: String!, $password: String!) {
  connect(username: $username, password: $password) { token userJid expiresAt }
}

subscription MessageReceived {
  messageReceived { id fromJid chatJid text createdAt }
}
`;

/** The page: Ruru's HTML pointed at /graphql, its assets at PLAYGROUND_ASSETS. */
export function playgroundPage(): string {
  return ruruHTML({
    staticPath: PLAYGROUND_ASSETS,
    endpoint: "/graphql",
    // ruru-types derives these props from graphiql's types, which are bundled rather than
    // installed, so TypeScript sees every one as required: all are optional at run time.
    clientConfig: {
      defaultQuery: DEFAULT_QUERY,
      initialVariables: JSON.stringify({ userIdentifier: "alice" }, null, 2),
      isHeadersEditorEnabled: true,
      // Ruru's plan and SQL explain tools are for Grafast servers.
      debugTools: [],
    } as Partial<RuruClientConfig> as RuruClientConfig,
    htmlParts: {
      titleTag: "<title>Parley — GraphQL playground</title>",
      // The WebSocket URL depends on how the browser reached us (host, port, TLS behind a proxy),
      // which only the page knows.
      configScript: (original) =>
        `${original}\n<script>RURU_CONFIG.subscriptionEndpoint = new URL("/graphql", location.href).href.replace(/^http/, "ws");</script>`,
    },
  });
}

/**
 * Browsers ask for text/html; GraphQL clients ask for JSON (application/json or
 * application/graphql-response+json), so an Accept naming text/html is a person at a browser.
 */
function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === "string" && accept.includes("text/html");
}

export function registerPlayground(fastify: FastifyInstance): void {
  const page = playgroundPage();

  fastify.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== "GET" || request.routeOptions.url !== "/graphql" || !wantsHtml(request)) return;
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(page);
  });

  fastify.get(`${PLAYGROUND_ASSETS}*`, async (request, reply) => {
    const file = await getStaticFile({
      staticPath: PLAYGROUND_ASSETS,
      urlPath: request.url,
      acceptEncoding: request.headers["accept-encoding"],
      // Source maps would hold ~10 MB in memory for a tool nobody debugs in production.
      disallowDevAssets: true,
    });
    if (!file) return reply.code(404).type("text/plain").send("Not found");
    const etag = file.headers.etag;
    if (etag && request.headers["if-none-match"] === etag) return reply.code(304).header("etag", etag).send();
    return reply.headers(file.headers).send(file.content);
  });
}
