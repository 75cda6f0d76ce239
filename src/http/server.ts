// One port: Fastify serves GraphQL over HTTP (Apollo Server) at /graphql, graphql-ws on the same
// path, the health routes, /metrics and (when on) the playground.
import { performance } from "node:perf_hooks";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { bearerToken, type Context, createContext, type DoorServices } from "../graphql/context.js";
import { CostLimit } from "../graphql/cost.js";
import { formatError, reportsOutage, RETRY_AFTER_UNAVAILABLE_SECONDS } from "../graphql/errors.js";
import { parseOptions, validationRules } from "../graphql/limits.js";
import { checkOperation, type DocumentRules } from "../graphql/operation.js";
import { registerCors } from "./cors.js";
import { type ReadinessCheck, registerHealthRoutes } from "./health.js";
import { InFlight } from "./in-flight.js";
import type { Metrics } from "./metrics.js";
import { OperationOutcome } from "./operation-outcome.js";
import { registerPlayground } from "./playground.js";
import { requestIdFrom } from "./request-id.js";
import { attachWebSocket, type WebSocketDoor } from "./websocket.js";

export interface HttpServer {
  fastify: FastifyInstance;
  websocket: WebSocketDoor;
  close(): Promise<void>;
}

export async function createHttpServer(options: {
  config: Config;
  services: DoorServices;
  schema: GraphQLSchema;
  log: Logger;
  readiness: ReadinessCheck[];
  metrics: Metrics;
}): Promise<HttpServer> {
  const { config, services, schema, log, metrics } = options;
  const fastify = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.limits.bodyLimitBytes,
    requestIdHeader: "x-request-id",
    genReqId: (req) => requestIdFrom(req.headers["x-request-id"]),
    forceCloseConnections: "idle",
    trustProxy: config.trustProxy,
  });
  const documentRules: DocumentRules = { schema, parseOptions: parseOptions(config), rules: validationRules(config), cost: new CostLimit(schema, config) };
  const hideSchemaHints = config.nodeEnv === "production";
  const apollo = new ApolloServer<Context<DoorServices>>({
    schema,
    validationRules: documentRules.rules,
    parseOptions: documentRules.parseOptions,
    // The introspection switch is graphql-js's rule in validationRules(), shared with WebSocket;
    // Apollo's own would report the same query a second time, in other words.
    introspection: true,
    allowBatchedHttpRequests: false,
    // A GET query (urql's default) is served when it could not have been sent without a CORS
    // preflight: Authorization is not a header a page may add on its own, so a GET carrying the
    // bearer token is as safe as Apollo's own preflight-forcing headers.
    csrfPrevention: { requestHeaders: ["authorization", "x-apollo-operation-name", "apollo-require-preflight"] },
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: hideSchemaHints,
    logger: log,
    // Outside NODE_ENV=test Apollo would stop itself on SIGTERM/SIGINT and then re-send the signal,
    // which main.ts takes for a second one (exit 1 without draining): main.ts owns the signals.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatError(formatted, error, { hideSchemaHints }),
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      // Apollo's own landing pages load from a CDN; the playground (./playground.ts) is served locally.
      ApolloServerPluginLandingPageDisabled(),
      // No field declares cache hints; Apollo's default cache-control plugin would still hook
      // into every field's resolution of every operation.
      ApolloServerPluginCacheControlDisabled(),
      {
        // Apollo parses and validates with documentRules (as parseAndValidate does on WebSocket);
        // from there the operation goes through the steps both doors share.
        async requestDidStart({ contextValue }) {
          const outcome = new OperationOutcome(metrics, "http", contextValue);
          return {
            async didResolveOperation({ document, request }) {
              const checked = await checkOperation(documentRules, contextValue, { document, operationName: request.operationName, variables: request.variables }, "http");
              if (checked.operation) outcome.resolved(checked.operation);
              // Apollo sends what this hook throws; checkOperation refuses with one error.
              if (checked.errors) throw checked.errors[0];
            },
            async executionDidStart() {
              outcome.running();
            },
            async didEncounterErrors({ errors }) {
              outcome.encountered(errors);
            },
            async willSendResponse({ response }) {
              const errors = response.body.kind === "single" ? response.body.singleResult.errors : response.body.initialResult.errors;
              outcome.sent(errors);
              // An outage is known only once formatError has classified it, after Apollo has read
              // the errors' extensions.http: its status and Retry-After are set here instead.
              if (reportsOutage(errors)) {
                response.http.status = 503;
                response.http.headers.set("retry-after", String(RETRY_AFTER_UNAVAILABLE_SECONDS));
              }
              outcome.ended();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  await registerCors(fastify, config.corsOrigins);

  // Requests under way, from their headers to their response, so that shutdown can let them finish.
  const inFlight = new InFlight();
  let closing = false;
  fastify.addHook("onRequest", async (_request, reply) => {
    reply.raw.once("close", inFlight.begin());
  });
  // A response finished while closing ends its connection, instead of keeping it alive idle.
  fastify.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });

  fastify.route({
    url: "/graphql",
    method: ["GET", "POST", "OPTIONS"],
    handler: fastifyApolloHandler(apollo, {
      context: async (request, reply) => {
        const token = bearerToken(request.headers.authorization);
        const licenseKey = request.headers["x-license-key"];
        const apiKey = request.headers["x-api-key"];
        return createContext(services, {
          requestId: request.id,
          log: request.log as Logger,
          licenseKey: typeof licenseKey === "string" ? licenseKey : undefined,
          serverAccess: services.identity.serverAccess(typeof apiKey === "string" ? apiKey : undefined),
          clientAddress: request.ip,
          authenticate: async () => (token === undefined ? null : services.identity.authenticate(token)),
          // Fastify's clock starts when the request is routed, before its body is read and parsed.
          receivedAt: services.stageClock ? performance.now() - reply.elapsedTime : undefined,
        });
      },
    }),
  });
  registerHealthRoutes(fastify, options.readiness, config.metricsToken);
  metrics.registerRoute(fastify, config.metricsToken);
  if (config.playground) registerPlayground(fastify);

  const websocket = await attachWebSocket({ server: fastify.server, documentRules, config, services, log, metrics });
  return {
    fastify,
    websocket,
    async close() {
      // Stop accepting connections (requests on kept-alive ones get 503), let the requests under
      // way finish, so that the events they publish still reach open subscriptions, then let
      // WebSocket operations finish and close the sockets with 1001: the server only finishes
      // closing once they are gone.
      closing = true;
      const closed = fastify.close();
      await inFlight.idle();
      await websocket.close();
      fastify.server.closeIdleConnections();
      await closed;
      await apollo.stop();
    },
  };
}
