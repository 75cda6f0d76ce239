// GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and path. The token is
// checked at connection_init; operations get the same context, validation rules, token limit
// and error masking as HTTP; a revoked token's sockets are closed on every process.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { type ExecutionArgs, getOperationAST, GraphQLError, type GraphQLSchema, parse, specifiedRules, validate, type ValidationRule } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { Config } from "../config.js";
import type { Viewer } from "../identity/identity.types.js";
import { bearerToken, createContext, type Services } from "../graphql/context.js";
import { formatError, logUnexpected } from "../graphql/errors.js";
import { topics } from "../realtime/topics.js";

/** Close code for a socket whose token was revoked or has expired (graphql-ws: Unauthorized). */
export const CLOSE_TOKEN_ENDED = CloseCode.Unauthorized;

type SocketState = {
  viewer?: Viewer;
  socketId?: string;
  expiryTimer?: NodeJS.Timeout;
};

export interface WebSocketDoor {
  /** Closes every socket with 1001 and stops accepting new ones. */
  close(): Promise<void>;
  openSockets(): number;
}

export async function attachWebSocket(options: {
  server: Server;
  schema: GraphQLSchema;
  rules: ValidationRule[];
  config: Config;
  services: Services;
  log: Logger;
}): Promise<WebSocketDoor> {
  const { server, schema, rules, config, services, log } = options;
  const wss = new WebSocketServer({ server, path: "/graphql", maxPayload: config.limits.wsMaxPayloadBytes });
  const socketsByToken = new Map<string, Set<WebSocket>>();
  const hideSchemaHints = config.nodeEnv === "production";

  const forget = (state: SocketState, socket: WebSocket) => {
    clearTimeout(state.expiryTimer);
    const jti = state.viewer?.jti;
    if (!jti) return;
    const set = socketsByToken.get(jti);
    set?.delete(socket);
    if (set?.size === 0) socketsByToken.delete(jti);
  };

  const listening = services.pubsub.listen(topics.sessionRevoked, ({ jti }) => {
    for (const socket of socketsByToken.get(jti) ?? []) socket.close(CLOSE_TOKEN_ENDED, "Token revoked");
  });
  listening.catch((err: unknown) => log.error({ err }, "cannot listen for revoked sessions"));
  // With Redis down at start-up the subscription waits for it; the server starts anyway and says
  // so on /readyz. With Redis up it starts only once it hears every process's revocations.
  await Promise.race([listening, services.pubsub.unreachable()]);

  const disposable = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      schema,
      connectionInitWaitTimeout: config.limits.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const token = bearerToken(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
        if (!token) return false;
        let viewer: Viewer;
        try {
          viewer = await services.identity.authenticate(token);
        } catch (error) {
          if ((error as GraphQLError).extensions?.code === "UNAUTHENTICATED") return false;
          throw error;
        }
        const socket = ctx.extra.socket;
        ctx.extra.viewer = viewer;
        ctx.extra.socketId = randomUUID();
        const set = socketsByToken.get(viewer.jti) ?? new Set();
        set.add(socket);
        socketsByToken.set(viewer.jti, set);
        const untilExpiry = Math.min(viewer.expiresAt.getTime() - Date.now(), 2 ** 31 - 1);
        ctx.extra.expiryTimer = setTimeout(() => socket.close(CLOSE_TOKEN_ENDED, "Token expired"), untilExpiry);
        ctx.extra.expiryTimer.unref();
        await services.presence.socketOpened(viewer.userId, ctx.extra.socketId);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        if (Object.keys(ctx.subscriptions).length > config.limits.wsMaxSubscriptions) {
          return [
            new GraphQLError(`at most ${config.limits.wsMaxSubscriptions} operations at once on one socket`, {
              extensions: { code: "BAD_REQUEST" },
            }),
          ];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: config.limits.maxTokens });
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
        }
        // validate() runs only the rules it is given: graphql-js's own first, as Apollo does.
        const errors = validate(schema, document, [...specifiedRules, ...rules]);
        if (errors.length > 0) return errors;
        const requestId = randomUUID();
        const viewer = ctx.extra.viewer;
        const contextValue = createContext(services, {
          requestId,
          log: log.child({ reqId: requestId, operationId: id }),
          authenticate: async () => viewer ?? null,
        });
        const operation = getOperationAST(document, payload.operationName);
        if (operation) {
          try {
            await services.mutationLimit.check(contextValue, document, operation);
          } catch (error) {
            // Anything but an API error is logged and masked by onError, like an execution error.
            return [error instanceof GraphQLError ? error : new GraphQLError("rate limit check failed", { originalError: error as Error })];
          }
        }
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
        return args;
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors?.length) return undefined;
        const context = args.contextValue as { log: Logger; requestId: string };
        logUnexpected(context.log, result.errors);
        return {
          ...result,
          errors: result.errors.map((e) => formatError(e.toJSON(), e, { requestId: context.requestId, hideSchemaHints })),
        };
      },
      onError: (_ctx, id, _payload, errors) => {
        const requestId = randomUUID();
        logUnexpected(log.child({ reqId: requestId, operationId: id }), errors);
        return errors.map((e) => formatError(e.toJSON(), e, { requestId, hideSchemaHints }));
      },
      onClose: async (ctx) => {
        forget(ctx.extra, ctx.extra.socket);
        if (ctx.extra.viewer && ctx.extra.socketId) {
          await services.presence.socketClosed(ctx.extra.viewer.userId, ctx.extra.socketId).catch((err: unknown) =>
            log.warn({ err }, "presence update failed"),
          );
        }
      },
    },
    wss,
  );
  // graphql-ws prints a socket's errors with console.error. Here they are the client's doing (a
  // frame over maxPayload, a malformed frame, a reset), and ws has already closed the socket
  // (1009 for a frame too big): they go to the log, at a level a client cannot flood.
  // Registered after useServer, this runs after graphql-ws's handler has added its listener.
  wss.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (err) => log.debug({ err }, "websocket client error"));
  });

  return {
    async close() {
      await disposable.dispose();
      // Stops listening once the subscription stands (it may still wait for Redis).
      void listening.then((stop) => stop(), () => undefined);
    },
    openSockets: () => wss.clients.size,
  };
}
