// GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and path. The token is
// checked at connection_init; operations get the same context, go through the same checks
// (../graphql/operation.ts) and have their outcome recorded and their errors masked by the same
// OperationOutcome as on HTTP, logged with their own request id and their connection's; a
// revoked token's sockets are closed on every process.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { performance } from "node:perf_hooks";
import { type ExecutionArgs, getOperationAST, GraphQLError } from "graphql";
import { CloseCode } from "graphql-ws";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { Config } from "../config.js";
import { bearerToken, createContext, type DeliveryLink, type DoorServices } from "../graphql/context.js";
import { TOKEN_REFUSED, type Viewer } from "../graphql/viewer.js";
import { formatError, unauthenticated } from "../graphql/errors.js";
import { dependencyUnreachable } from "../graphql/unreachable.js";
import { executeCompiled } from "../graphql/compiled-execution.js";
import { checkOperation, type DocumentRules, ValidDocuments } from "../graphql/operation.js";
import { shareResults, subscribeSharing } from "../graphql/shared-results.js";
import { eachOf, findIn, type OneOrMore, withAdded, withRemoved } from "../realtime/one-or-more.js";
import { topics } from "../realtime/topics.js";
import { originAllowed } from "./cors.js";
import { InFlight } from "./in-flight.js";
import type { Metrics } from "./metrics.js";
import { SocketLink, serveGraphqlWs } from "./graphql-ws-sockets.js";
import { OperationOutcome } from "./operation-outcome.js";
import { requestIdFrom } from "./request-id.js";

/** Close code for a socket whose token was revoked or has expired (graphql-ws: Unauthorized). */
export const CLOSE_TOKEN_ENDED = CloseCode.Unauthorized;

/**
 * Why the server refuses a socket at connection_init (or closes it later, for its token): the
 * close code and reason a client can show, and the reason's label in /metrics. A refused token is
 * 4403, which graphql-ws clients retry (a fresh token may be on its way); a user over the socket
 * cap is 4429, which they do not.
 */
const REFUSALS = {
  missing_token: { code: CloseCode.Forbidden, reason: 'Missing token: send { authorization: "Bearer <token>" } as connectionParams' },
  invalid_token: { code: CloseCode.Forbidden, reason: "Invalid token" },
  expired_token: { code: CloseCode.Forbidden, reason: "Token expired" },
  revoked_token: { code: CloseCode.Forbidden, reason: "Token revoked" },
  too_many_sockets: { code: CloseCode.TooManyInitialisationRequests, reason: "Too many sockets for this user" },
} as const;
type Refusal = keyof typeof REFUSALS;

/** The refusal of an UNAUTHENTICATED error from authenticate, by its message. */
const REFUSAL_BY_MESSAGE: Record<string, Refusal> = {
  [TOKEN_REFUSED.expired]: "expired_token",
  [TOKEN_REFUSED.revoked]: "revoked_token",
};

/**
 * Close code for a socket refused at connection_init because the database or Redis cannot be
 * reached (RFC 6455 Try Again Later): graphql-ws clients retry after it, as after 1001.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * Close code for a socket that fell too far behind: more events waited for it than
 * WS_MAX_QUEUED_EVENTS (RFC 6455 Try Again Later, as graphql-ws clients retry it). What it never
 * wrote was never DELIVERED: the client gets it by resuming messageReceived with afterRowId.
 */
export const CLOSE_SEND_QUEUE_FULL = CLOSE_TRY_AGAIN_LATER;
export const SEND_QUEUE_FULL_REASON = "Send queue full: reconnect and resume messageReceived with afterRowId";

/** What every operation on a socket's link to it needs, made once per server. */
type LinkDeps = { metrics: Metrics; maxQueued: number };

/**
 * One operation on a socket, from subscribe to complete, and its event stream's link to the
 * socket (DeliveryLink). A class, so that a subscription's link costs one object, not one per closure.
 */
class OperationRecord implements DeliveryLink {
  outcome!: OperationOutcome;
  /** Passed every check: its result, or its event stream, follows, then a complete. */
  running = false;
  /** A subscription whose event stream is open (counted in the active subscriptions). */
  streaming = false;
  /** Ends its place among the operations shutdown waits for (queries and mutations). */
  end: () => void = nothingToEnd;
  /** The socket was open when an event was last rendered to be sent for it (onNext). */
  sent = false;
  /** STAGE_TIMINGS: the message the stream is yielding, whose render stage onNext marks. */
  rendering: string | undefined = undefined;

  constructor(
    /** graphql-ws's id of the operation on its socket. */
    readonly id: string,
    private readonly link: SocketLink,
    private readonly deps: LinkDeps,
  ) {}

  get maxQueued(): number {
    return this.deps.maxQueued;
  }

  lastSent(): boolean {
    return this.sent;
  }

  overflow(): void {
    if (this.link.socket.readyState !== WebSocket.OPEN) return;
    this.deps.metrics.socketRefused("send_queue_full");
    this.link.socket.close(CLOSE_SEND_QUEUE_FULL, SEND_QUEUE_FULL_REASON);
  }

  yielding(messageId: string): void {
    this.rendering = messageId;
  }

  following(): void {
    this.link.holdWrites();
  }
}

const nothingToEnd = () => undefined;

/** One socket: its link to graphql-ws (its ctx.extra), and who it is for once connection_init is accepted. */
class SocketState extends SocketLink {
  viewer: Viewer | undefined = undefined;
  socketId: string | undefined = undefined;
  /** The connection's request id: the upgrade's x-request-id, or a fresh one. */
  connId: string | undefined = undefined;
  /** The operations under way on the socket (mostly one: its subscription). */
  operations: OneOrMore<OperationRecord> | undefined = undefined;

  constructor(
    socket: WebSocket,
    /** The upgrade's x-request-id header, until connection_init names the connection. */
    public requestIdHeader: unknown,
  ) {
    super(socket);
  }
}

export interface WebSocketDoor {
  /** Lets queries and mutations under way finish, then closes every socket with 1001 and stops accepting new ones. */
  close(): Promise<void>;
  openSockets(): number;
  /** Queries and mutations under way. */
  inFlight(): number;
}

export async function attachWebSocket(options: {
  server: Server;
  documentRules: DocumentRules;
  config: Config;
  services: DoorServices;
  log: Logger;
  metrics: Metrics;
}): Promise<WebSocketDoor> {
  const { server, documentRules, config, services, log, metrics } = options;
  const { stageClock } = services;
  const documents = new ValidDocuments(documentRules);
  const linkDeps: LinkDeps = { metrics, maxQueued: config.limits.wsMaxQueuedEvents };
  const inFlight = new InFlight();
  const wss = new WebSocketServer({
    server,
    path: "/graphql",
    maxPayload: config.limits.wsMaxPayloadBytes,
    // CORS does not cover WebSocket: a page from an origin outside CORS_ORIGINS is refused here.
    verifyClient: ({ origin }: { origin: string | undefined }, done: (ok: boolean, code?: number, message?: string) => void) => {
      if (originAllowed(config.corsOrigins, origin)) return done(true);
      metrics.socketRefused("origin_not_allowed");
      done(false, 403, "Origin not allowed");
    },
  });
  /** The open sockets of each token (by jti), with who it stands for. */
  const sessions = new Map<string, { viewer: Viewer; sockets: OneOrMore<WebSocket> }>();
  const hideSchemaHints = config.nodeEnv === "production";

  const forget = (state: SocketState, socket: WebSocket) => {
    const jti = state.viewer?.jti;
    if (!jti) return;
    const session = sessions.get(jti);
    if (!session) return;
    const left = withRemoved(session.sockets, socket);
    if (left === undefined) sessions.delete(jti);
    else session.sockets = left;
  };

  const refuse = (socket: WebSocket, refusal: Refusal, reason: string = REFUSALS[refusal].reason) => {
    metrics.socketRefused(refusal);
    // graphql-ws closes the socket again after onConnect returns false: the first close wins.
    socket.close(REFUSALS[refusal].code, reason);
  };

  /** Closes every socket of a token that no longer holds. */
  const endSession = (jti: string) => {
    for (const socket of eachOf(sessions.get(jti)?.sockets)) {
      metrics.socketRefused("revoked_token");
      socket.close(CLOSE_TOKEN_ENDED, "Token revoked");
    }
  };

  /**
   * Closes the sockets of tokens that have expired. Checked on the re-check period rather than by
   * a timer per socket (idle sockets are what a process holds most of); an operation sent in
   * between is refused by onSubscribe, which looks at the expiry too.
   */
  const endExpired = () => {
    const now = Date.now();
    for (const session of sessions.values()) {
      if (session.viewer.expiresAt.getTime() > now) continue;
      for (const socket of eachOf(session.sockets)) socket.close(CLOSE_TOKEN_ENDED, "Token expired");
    }
  };

  // The broker is at-most-once: a revocation whose news it lost is found here within the period,
  // with one statement for all of this process's sockets.
  let rechecking = false;
  const recheckSessions = async () => {
    if (rechecking || sessions.size === 0) return;
    rechecking = true;
    try {
      const revoked = await services.identity.revokedAmong([...sessions.values()].map((s) => s.viewer));
      revoked.forEach(endSession);
    } catch (err) {
      log.warn({ err }, "re-checking open sockets' tokens failed");
    } finally {
      rechecking = false;
    }
  };
  const recheckTimer = setInterval(() => {
    endExpired();
    void recheckSessions();
  }, config.sessionRecheckMs);
  recheckTimer.unref();

  // One timer pings every socket, rather than graphql-ws's interval and timeout per socket: a
  // socket that has not answered the previous round's ping by the next round is ended.
  const unanswered = new WeakSet<WebSocket>();
  function answered(this: WebSocket) {
    unanswered.delete(this);
  }
  const keepAliveTimer = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (unanswered.has(socket)) {
        socket.terminate();
        continue;
      }
      unanswered.add(socket);
      socket.ping();
    }
  }, config.limits.wsKeepAliveMs);
  keepAliveTimer.unref();

  /**
   * connection_init must come within the limit. The timer lives only until it does (graphql-ws's
   * own would be kept for the socket's life).
   */
  const awaitingInit = new Map<WebSocket, NodeJS.Timeout>();
  const initReceived = (socket: WebSocket) => {
    clearTimeout(awaitingInit.get(socket));
    awaitingInit.delete(socket);
  };

  const connectionLog = (state: SocketState) => log.child({ connId: state.connId });

  /** An operation's errors as the client gets them: unexpected ones logged, then masked with its request id. */
  const sendable = (record: OperationRecord | undefined, errors: readonly GraphQLError[]) => {
    record?.outcome.encountered(errors);
    const formatted = errors.map((e) => formatError(e.toJSON(), e, { hideSchemaHints }));
    record?.outcome.sent(formatted);
    return formatted;
  };

  /**
   * Closes a socket whose connection_init failed for something other than its token: an outage
   * with Try Again Later, anything else as an internal error. Logged here, with the connection's
   * id: graphql-ws would print it to the console, and send its message to the client outside production.
   */
  const refuseConnection = (state: SocketState, error: unknown): false => {
    const dependency = dependencyUnreachable(error);
    if (dependency) {
      connectionLog(state).warn({ err: error, dependency }, "websocket connection_init failed: dependency unavailable");
      state.socket.close(CLOSE_TRY_AGAIN_LATER, "Service unavailable: retry later");
    } else {
      connectionLog(state).error({ err: error }, "websocket connection_init failed");
      state.socket.close(CloseCode.InternalServerError, "Internal server error");
    }
    return false;
  };

  const operation = (state: SocketState, id: string) => findIn(state.operations, (record) => record.id === id);

  /** Counts and logs an operation once: at its complete, or when its socket closes first. */
  const finish = (state: SocketState, id: string) => {
    const record = operation(state, id);
    if (!record) return;
    state.operations = withRemoved(state.operations, record);
    record.end();
    if (record.streaming) record.outcome.streamEnded();
    else record.outcome.ended();
  };

  wss.on("connection", () => metrics.socketAccepted());
  metrics.watchSockets(() => wss.clients.size);

  const listening = services.pubsub.listen(topics.sessionRevoked, ({ jti, userId }) => {
    if (jti !== null) return endSession(jti);
    for (const [key, session] of sessions) if (session.viewer.userId === userId) endSession(key);
  });
  listening.catch((err: unknown) => log.error({ err }, "cannot listen for revoked sessions"));
  // With Redis down at start-up the subscription waits for it; the server starts anyway and says
  // so on /readyz. With Redis up it starts only once it hears every process's revocations.
  await Promise.race([listening, services.pubsub.unreachable()]);

  const disposable = serveGraphqlWs<SocketState>(
    wss,
    {
      isProd: config.nodeEnv === "production",
      schema: documentRules.schema,
      subscribe: subscribeSharing,
      execute: executeCompiled,
      // Subscriptions are served on graphql-ws's context without its per-operation handler
      // (graphql-ws-streams.ts); a document that is not valid stays graphql-ws's, for onSubscribe to refuse.
      streams: (payload) => {
        const parsed = documents.parseAndValidate(payload.query);
        return !parsed.errors && getOperationAST(parsed.document, payload.operationName)?.operation === "subscription";
      },
      // Both kept here instead, without a timer per socket once it is set up (awaitingInit, keepAliveTimer).
      connectionInitWaitTimeout: 0,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        initReceived(socket);
        // The presence id of the socket, and its connection id unless the client sent one.
        const socketId = randomUUID();
        ctx.extra.connId = requestIdFrom(ctx.extra.requestIdHeader, socketId);
        ctx.extra.requestIdHeader = undefined;
        // graphql-ws would keep connectionParams for the socket's life: once the token is read,
        // they leave its context (no hook reads them again).
        const params = ctx.connectionParams as Record<string, unknown> | undefined;
        (ctx as { connectionParams?: unknown }).connectionParams = undefined;
        const token = bearerToken(params?.authorization ?? params?.Authorization);
        if (!token) {
          refuse(socket, "missing_token");
          return false;
        }
        let viewer: Viewer;
        try {
          viewer = await services.identity.authenticate(token);
          if ((await services.presence.socketCount(viewer.userId)) >= config.maxSocketsPerUser) {
            refuse(socket, "too_many_sockets", `Too many sockets for this user: at most ${config.maxSocketsPerUser}`);
            return false;
          }
        } catch (error) {
          const graphqlError = error as GraphQLError;
          if (graphqlError.extensions?.code === "UNAUTHENTICATED") {
            refuse(socket, REFUSAL_BY_MESSAGE[graphqlError.message] ?? "invalid_token");
            return false;
          }
          return refuseConnection(ctx.extra, error);
        }
        ctx.extra.viewer = viewer;
        ctx.extra.socketId = socketId;
        const session = sessions.get(viewer.jti);
        if (session) session.sockets = withAdded(session.sockets, socket);
        else sessions.set(viewer.jti, { viewer, sockets: socket });
        try {
          await services.presence.socketOpened(viewer.userId, ctx.extra.socketId);
        } catch (error) {
          return refuseConnection(ctx.extra, error);
        }
        connectionLog(ctx.extra).info({ userId: viewer.userId }, "websocket connected");
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const receivedAt = stageClock ? performance.now() : undefined;
        const requestId = randomUUID();
        const viewer = ctx.extra.viewer;
        const socket = ctx.extra.socket;
        // Recorded from the start, so that a refusal is counted and logged like any outcome (by onError).
        const record = new OperationRecord(id, ctx.extra, linkDeps);
        const contextValue = createContext(services, {
          requestId,
          log,
          logBindings: { reqId: requestId, connId: ctx.extra.connId, operationId: id },
          // Only sockets with a valid token get here: nothing over WebSocket is anonymous, and the
          // client's address only serves the anonymous limit (read, it would stay on the socket).
          clientAddress: undefined,
          viewer,
          delivery: record,
          receivedAt,
        });
        record.outcome = new OperationOutcome(metrics, "ws", contextValue);
        ctx.extra.operations = withAdded(ctx.extra.operations, record);
        if (viewer && viewer.expiresAt.getTime() <= Date.now()) {
          // Expired since the last re-check (endExpired): nothing runs on it, and the socket closes.
          socket.close(CLOSE_TOKEN_ENDED, "Token expired");
          return [unauthenticated(TOKEN_REFUSED.expired)];
        }
        if (Object.keys(ctx.subscriptions).length > config.limits.wsMaxSubscriptions) {
          return [
            new GraphQLError(`at most ${config.limits.wsMaxSubscriptions} operations at once on one socket`, {
              extensions: { code: "BAD_REQUEST" },
            }),
          ];
        }
        const parsed = documents.parseAndValidate(payload.query);
        if (parsed.errors) return [...parsed.errors];
        // The subscribe message is kept for the operation's life (by graphql-ws, or by the served
        // stream for the hooks): it keeps the shared copy of the text instead of its own (the same
        // characters; nothing reads it again).
        (payload as { query: string }).query = documents.sharedText(payload.query);
        const checked = await checkOperation(
          documentRules,
          contextValue,
          { document: parsed.document, operationName: payload.operationName, variables: payload.variables },
          "ws",
        );
        if (checked.operation) record.outcome.resolved(checked.operation);
        if (checked.errors) return [...checked.errors];
        // From here on the operation runs, and ends with onComplete (or its socket's close).
        record.running = true;
        record.outcome.running();
        if (checked.operation.operation !== "subscription") record.end = inFlight.begin();
        const args: ExecutionArgs = {
          schema: documentRules.schema,
          document: parsed.document,
          // Present, so that graphql-ws adds no property to an object a subscription keeps.
          rootValue: undefined,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
        return shareResults(args, payload.query);
      },
      onOperation: (ctx, id, _payload, _args, result) => {
        const record = operation(ctx.extra, id);
        if (record?.outcome.type === "subscription" && Symbol.asyncIterator in result) {
          record.streaming = true;
          record.outcome.streamStarted();
        }
        return undefined;
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const record = operation(ctx.extra, id);
        // Sent right after this returns (by graphql-ws, or ProtocolStreams); a socket no longer open skips the write.
        if (record) record.sent = ctx.extra.socket.readyState === WebSocket.OPEN;
        if (record?.rendering !== undefined) {
          stageClock?.mark(record.rendering, "render");
          record.rendering = undefined;
        }
        if (record?.streaming) record.outcome.streamEvent();
        // A query's or mutation's result is followed by its complete: the two leave in one write.
        else ctx.extra.holdWrites();
        // Sent as it is: graphql-ws would copy it for each subscriber (a group's thousand copies of
        // one shared result), and ProtocolStreams serialises a result handed on unchanged only once.
        if (!result.errors?.length) return result;
        return { ...result, errors: sendable(record, result.errors) };
      },
      onError: (ctx, id, _payload, errors) => {
        const record = operation(ctx.extra, id);
        const formatted = sendable(record, errors);
        // Refused before it ran (syntax, validation, limits): no complete follows.
        if (record && !record.running) finish(ctx.extra, id);
        return formatted;
      },
      onComplete: (ctx, id) => {
        finish(ctx.extra, id);
      },
      onClose: async (ctx, code) => {
        initReceived(ctx.extra.socket);
        forget(ctx.extra, ctx.extra.socket);
        for (const record of eachOf(ctx.extra.operations)) finish(ctx.extra, record.id);
        if (ctx.extra.connId) connectionLog(ctx.extra).info({ code }, "websocket closed");
        if (ctx.extra.viewer && ctx.extra.socketId) {
          await services.presence.socketClosed(ctx.extra.viewer.userId, ctx.extra.socketId).catch((err: unknown) =>
            log.warn({ err }, "presence update failed"),
          );
        }
      },
    },
    (socket, request) => new SocketState(socket, request.headers["x-request-id"]),
    (err, state) => {
      if (state) connectionLog(state).error({ err }, "websocket message handling failed");
      else log.error({ err }, "websocket server error");
    },
  );
  // A socket's errors are the client's doing (a frame over maxPayload, a malformed frame, a
  // reset), and ws has already closed the socket (1009 for a frame too big): they go to the log,
  // at a level a client cannot flood.
  function clientError(err: Error) {
    log.debug({ err }, "websocket client error");
  }
  wss.on("connection", (socket) => {
    socket.on("error", clientError);
    socket.on("pong", answered);
    const initWait = setTimeout(() => {
      awaitingInit.delete(socket);
      socket.close(CloseCode.ConnectionInitialisationTimeout, "Connection initialisation timeout");
    }, config.limits.wsConnectionInitTimeoutMs);
    awaitingInit.set(socket, initWait);
  });

  return {
    async close() {
      clearInterval(recheckTimer);
      clearInterval(keepAliveTimer);
      for (const timer of awaitingInit.values()) clearTimeout(timer);
      awaitingInit.clear();
      await inFlight.idle();
      // What the finished operations published (on either door) reaches the sockets before they close.
      await services.pubsub.settle();
      await disposable.dispose();
      // Stops listening once the subscription stands (it may still wait for Redis).
      void listening.then((stop) => stop(), () => undefined);
    },
    openSockets: () => wss.clients.size,
    inFlight: () => inFlight.size,
  };
}
