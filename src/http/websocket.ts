// GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and path. The token is
// checked at connection_init; operations get the same context, validation rules, token limit
// and error masking as HTTP; a revoked token's sockets are closed on every process. Every
// operation is counted in the metrics and logged with its own request id and its connection's.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { type ExecutionArgs, GraphQLError, type GraphQLSchema, parse, specifiedRules, validate, type ValidationRule } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { Config } from "../config.js";
import type { Viewer } from "../identity/identity.types.js";
import { bearerToken, createContext, type Services } from "../graphql/context.js";
import { formatError, logUnexpected } from "../graphql/errors.js";
import { parseOptions } from "../graphql/limits.js";
import { shareResults, subscribeSharing } from "../graphql/shared-results.js";
import { topics } from "../realtime/topics.js";
import { InFlight } from "./in-flight.js";
import { type Metrics, operationLabel, operationOf, outcomeOf, secondsSince } from "./metrics.js";
import { requestIdFrom } from "./request-id.js";

/** Close code for a socket whose token was revoked or has expired (graphql-ws: Unauthorized). */
export const CLOSE_TOKEN_ENDED = CloseCode.Unauthorized;

/** One operation on a socket, from subscribe to complete. */
type OperationRecord = {
  type: string;
  label: string;
  started: bigint;
  outcome: string;
  log: Logger;
  /** A subscription whose event stream is open (counted in the active subscriptions). */
  streaming: boolean;
  /** Ends its place among the operations shutdown waits for (queries and mutations). */
  end: () => void;
};

type SocketState = {
  viewer?: Viewer;
  socketId?: string;
  /** The connection's request id: the upgrade's x-request-id, or a fresh one. */
  connId?: string;
  expiryTimer?: NodeJS.Timeout;
  operations?: Map<string, OperationRecord>;
};

export interface WebSocketDoor {
  /** Lets queries and mutations under way finish, then closes every socket with 1001 and stops accepting new ones. */
  close(): Promise<void>;
  openSockets(): number;
  /** Queries and mutations under way. */
  inFlight(): number;
}

export async function attachWebSocket(options: {
  server: Server;
  schema: GraphQLSchema;
  rules: ValidationRule[];
  config: Config;
  services: Services;
  log: Logger;
  metrics: Metrics;
}): Promise<WebSocketDoor> {
  const { server, schema, rules, config, services, log, metrics } = options;
  const inFlight = new InFlight();
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

  const connectionLog = (state: SocketState) => log.child({ connId: state.connId });

  /** Counts and logs an operation once: at its complete, or when its socket closes first. */
  const finish = (state: SocketState, id: string) => {
    const record = state.operations?.get(id);
    if (!record) return;
    state.operations!.delete(id);
    record.end();
    if (record.streaming) {
      metrics.subscriptionClosed(record.label);
      record.log.debug({ operation: record.label }, "subscription ended");
      return;
    }
    const seconds = secondsSince(record.started);
    if (record.type !== "subscription") metrics.operationEnded("ws", record.type, record.label, record.outcome, seconds);
    else metrics.operationEnded("ws", record.type, record.label, record.outcome);
    record.log.info({ operation: record.label, type: record.type, outcome: record.outcome, responseTime: seconds * 1000 }, "operation completed");
  };

  wss.on("connection", () => metrics.socketAccepted());
  metrics.watchSockets(() => wss.clients.size);

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
      subscribe: subscribeSharing,
      connectionInitWaitTimeout: config.limits.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        ctx.extra.connId = requestIdFrom(ctx.extra.request.headers["x-request-id"]);
        ctx.extra.operations = new Map();
        const token = bearerToken(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
        if (!token) return false;
        let viewer: Viewer;
        try {
          viewer = await services.identity.authenticate(token);
        } catch (error) {
          if ((error as GraphQLError).extensions?.code === "UNAUTHENTICATED") return false;
          // Logged here, with the connection's id: graphql-ws would only print it to the console.
          connectionLog(ctx.extra).error({ err: error }, "websocket connection_init failed");
          ctx.extra.socket.close(CloseCode.InternalServerError, "Internal server error");
          return false;
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
        connectionLog(ctx.extra).info({ userId: viewer.userId }, "websocket connected");
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
          document = parse(payload.query, parseOptions(config));
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
        }
        // validate() runs only the rules it is given: graphql-js's own first, as Apollo does.
        const errors = validate(schema, document, [...specifiedRules, ...rules]);
        if (errors.length > 0) return errors;
        const operation = operationOf(document, payload.operationName);
        if (!operation) {
          const why = payload.operationName
            ? `Unknown operation named "${payload.operationName}".`
            : "Must provide operation name if query contains multiple operations.";
          return [new GraphQLError(why, { extensions: { code: "OPERATION_RESOLUTION_FAILURE" } })];
        }
        const requestId = randomUUID();
        const operationLog = log.child({ reqId: requestId, connId: ctx.extra.connId, operationId: id });
        const viewer = ctx.extra.viewer;
        const contextValue = createContext(services, {
          requestId,
          log: operationLog,
          authenticate: async () => viewer ?? null,
        });
        try {
          await services.mutationLimit.check(contextValue, document, operation);
        } catch (error) {
          // Anything but an API error is logged and masked by onError, like an execution error.
          return [error instanceof GraphQLError ? error : new GraphQLError("rate limit check failed", { originalError: error as Error })];
        }
        // From here on the operation runs, and ends with onComplete (or its socket's close).
        ctx.extra.operations?.set(id, {
          type: operation.operation,
          label: operationLabel(operation),
          started: process.hrtime.bigint(),
          outcome: "ok",
          log: operationLog,
          streaming: false,
          end: operation.operation === "subscription" ? () => undefined : inFlight.begin(),
        });
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
        return shareResults(args, payload.query);
      },
      onOperation: (ctx, id, _payload, _args, result) => {
        const record = ctx.extra.operations?.get(id);
        if (record?.type === "subscription" && Symbol.asyncIterator in result) {
          record.streaming = true;
          metrics.operationEnded("ws", record.type, record.label, "ok");
          metrics.subscriptionOpened(record.label);
          record.log.info({ operation: record.label }, "subscription started");
        }
        return undefined;
      },
      onNext: (ctx, id, _payload, args, result) => {
        const record = ctx.extra.operations?.get(id);
        if (record?.streaming) metrics.subscriptionEvent(record.label);
        if (!result.errors?.length) return undefined;
        const context = args.contextValue as { log: Logger; requestId: string };
        logUnexpected(context.log, result.errors);
        const errors = result.errors.map((e) => formatError(e.toJSON(), e, { requestId: context.requestId, hideSchemaHints }));
        if (record && record.outcome === "ok") record.outcome = outcomeOf(errors);
        return { ...result, errors };
      },
      onError: (ctx, id, _payload, errors) => {
        const record = ctx.extra.operations?.get(id);
        const requestId = randomUUID();
        const errorLog = record?.log ?? log.child({ reqId: requestId, connId: ctx.extra.connId, operationId: id });
        logUnexpected(errorLog, errors);
        const formatted = errors.map((e) => formatError(e.toJSON(), e, { requestId, hideSchemaHints }));
        if (record) {
          if (record.outcome === "ok") record.outcome = outcomeOf(formatted);
        } else {
          // Refused before it ran (syntax, validation, limits): no complete follows.
          const outcome = outcomeOf(formatted);
          metrics.operationEnded("ws", "unknown", "(invalid)", outcome);
          errorLog.info({ outcome }, "operation refused");
        }
        return formatted;
      },
      onComplete: (ctx, id) => {
        finish(ctx.extra, id);
      },
      onClose: async (ctx, code) => {
        forget(ctx.extra, ctx.extra.socket);
        for (const id of [...(ctx.extra.operations?.keys() ?? [])]) finish(ctx.extra, id);
        if (ctx.extra.connId) connectionLog(ctx.extra).info({ code }, "websocket closed");
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
      await inFlight.idle();
      await disposable.dispose();
      // Stops listening once the subscription stands (it may still wait for Redis).
      void listening.then((stop) => stop(), () => undefined);
    },
    openSockets: () => wss.clients.size,
    inFlight: () => inFlight.size,
  };
}
