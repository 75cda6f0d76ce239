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
# 1. Run Register (the variables hold a new random name), then Connect with the username and
#    password it returned.
# 2. Open "Headers" below and paste the token:
#      { "Authorization": "Bearer <token>" }
#    Subscriptions send the same headers as graphql-ws connectionParams; a socket the server
#    refuses shows its reason here.
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

# Everything you must learn of (messages, receipts, your other devices' changes, groups,
# contacts' profiles), in order. Keep the last cursor; resubscribe with it as $after after a
# disconnect to get what you missed, then live. query Sync gives the cursor of now.
query Sync($after: String) {
  sync(after: $after) { cursor hasMore entries { cursor __typename } }
}

subscription SyncStream($after: String) {
  syncStream(after: $after) {
    cursor
    __typename
    ... on SyncMessage { message { id chatJid text } }
    ... on SyncReceipt { receipt { messageId status } }
    ... on SyncChatChange { change chatJid unreadCount isMuted isArchived }
    ... on SyncGroupEvent { event { type groupJid group { name } } }
    ... on SyncProfileChange { profile { jid nickname } }
  }
}
`;

/**
 * The page's fetcher, in place of Ruru's: queries and mutations as JSON POSTs, subscriptions over
 * one graphql-transport-ws socket each. Ruru's own graphql-ws client retries a socket the server
 * refuses with 4403 (a new token might come) and shows nothing meanwhile; a person at the
 * playground needs the close reason ("Missing token: …", "Token revoked") instead, and no retry
 * until they change the headers and run again. Plain browser JavaScript: it is sent as is.
 */
const FETCHER_SCRIPT = String.raw`
function parleyFetcher(httpUrl, wsUrl) {
  function isSubscription(params, options) {
    const definitions = (options && options.documentAST && options.documentAST.definitions) || [];
    const operations = definitions.filter((d) => d.kind === "OperationDefinition");
    const chosen = operations.find((d) => d.name && d.name.value === params.operationName) || (operations.length === 1 ? operations[0] : undefined);
    return Boolean(chosen && chosen.operation === "subscription");
  }
  function subscribe(params, headers) {
    return {
      subscribe(sink) {
        let done = false;
        const socket = new WebSocket(wsUrl, "graphql-transport-ws");
        const send = (message) => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message));
        const finish = (result) => {
          if (done) return;
          done = true;
          if (result) sink.next(result);
          sink.complete();
          if (socket.readyState <= WebSocket.OPEN) socket.close(1000, "Normal Closure");
        };
        socket.onopen = () => send({ type: "connection_init", payload: headers });
        socket.onmessage = (event) => {
          const message = JSON.parse(event.data);
          if (message.type === "connection_ack") send({ id: "1", type: "subscribe", payload: params });
          else if (message.type === "ping") send({ type: "pong" });
          else if (message.type === "next") sink.next(message.payload);
          else if (message.type === "error") finish({ errors: message.payload });
          else if (message.type === "complete") finish();
        };
        socket.onclose = (event) => {
          const why = event.reason || (event.code === 1006 ? "the connection was lost" : "no reason given");
          finish({ errors: [{ message: "The server closed the subscription's socket: " + event.code + " " + why, extensions: { closeCode: event.code, closeReason: event.reason } }] });
        };
        return {
          unsubscribe() {
            if (done) return;
            done = true;
            send({ id: "1", type: "complete" });
            socket.close(1000, "Normal Closure");
          },
        };
      },
    };
  }
  return async (params, options) => {
    const headers = (options && options.headers) || {};
    if (isSubscription(params, options)) return subscribe(params, headers);
    const response = await fetch(httpUrl, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify(params),
    });
    return response.json();
  };
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
      isHeadersEditorEnabled: true,
      // Ruru's plan and SQL explain tools are for Grafast servers.
      debugTools: [],
    } as Partial<RuruClientConfig> as RuruClientConfig,
    htmlParts: {
      titleTag: "<title>Parley — GraphQL playground</title>",
      // The WebSocket URL depends on how the browser reached us (host, port, TLS behind a proxy),
      // which only the page knows. The default variables register a new random name, so that
      // running the document as it comes touches nobody's account.
      configScript: (original) =>
        `${original}\n<script>${FETCHER_SCRIPT}
RURU_CONFIG.fetcher = parleyFetcher(new URL("/graphql", location.href).href, new URL("/graphql", location.href).href.replace(/^http/, "ws"));
RURU_CONFIG.initialVariables = JSON.stringify({ userIdentifier: "demo" + Math.random().toString(36).slice(2, 10) }, null, 2);
</script>`,
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
