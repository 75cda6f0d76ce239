// One port: Fastify serves GraphQL over HTTP (Apollo Server) at /graphql, graphql-ws on the same
// path, and the health routes.
import { randomUUID } from "node:crypto";
import { ApolloServer } from "@apollo/server";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { bearerToken, type Context, createContext, type Services } from "../graphql/context.js";
import { formatError, logUnexpected } from "../graphql/errors.js";
import { parseOptions, validationRules } from "../graphql/limits.js";
import { type ReadinessCheck, registerHealthRoutes } from "./health.js";
import { attachWebSocket, type WebSocketDoor } from "./websocket.js";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface HttpServer {
  fastify: FastifyInstance;
  websocket: WebSocketDoor;
  close(): Promise<void>;
}

export async function createHttpServer(options: {
  config: Config;
  services: Services;
  schema: GraphQLSchema;
  log: Logger;
  readiness: ReadinessCheck[];
}): Promise<HttpServer> {
  const { config, services, schema, log } = options;
  const fastify = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.limits.bodyLimitBytes,
    requestIdHeader: "x-request-id",
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: "idle",
  });
  const rules = validationRules(config);
  const hideSchemaHints = config.nodeEnv === "production";
  const apollo = new ApolloServer<Context>({
    schema,
    validationRules: rules,
    parseOptions: parseOptions(config),
    // The introspection switch is graphql-js's rule in validationRules(), shared with WebSocket;
    // Apollo's own would report the same query a second time, in other words.
    introspection: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: hideSchemaHints,
    logger: log,
    formatError: (formatted, error) => formatError(formatted, error, { hideSchemaHints }),
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      {
        // Unexpected errors are logged here, where the request's logger is known, and their masked
        // form carries the request id so that a report can be matched to the log.
        async requestDidStart({ contextValue }) {
          return {
            async didResolveOperation({ document, operation }) {
              if (operation) await services.mutationLimit.check(contextValue, document, operation);
            },
            async didEncounterErrors({ errors }) {
              logUnexpected(contextValue.log, errors);
            },
            async willSendResponse({ response }) {
              if (response.body.kind !== "single") return;
              for (const e of response.body.singleResult.errors ?? []) {
                if (e.extensions?.code === "INTERNAL_SERVER_ERROR") (e.extensions as Record<string, unknown>).requestId = contextValue.requestId;
              }
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  fastify.route({
    url: "/graphql",
    method: ["GET", "POST", "OPTIONS"],
    handler: fastifyApolloHandler(apollo, {
      context: async (request) => {
        const token = bearerToken(request.headers.authorization);
        const licenseKey = request.headers["x-license-key"];
        return createContext(services, {
          requestId: request.id,
          log: request.log as Logger,
          licenseKey: typeof licenseKey === "string" ? licenseKey : undefined,
          authenticate: async () => (token === undefined ? null : services.identity.authenticate(token)),
        });
      },
    }),
  });
  registerHealthRoutes(fastify, options.readiness);

  const websocket = await attachWebSocket({ server: fastify.server, schema, rules, config, services, log });
  return {
    fastify,
    websocket,
    async close() {
      await websocket.close();
      await fastify.close();
      await apollo.stop();
    },
  };
}
