// The context of every operation, built by one function that HTTP and WebSocket share.
import type { Bindings, Logger } from "pino";
import type { Config, Feature } from "../config.js";
import type { PubSub } from "../realtime/pubsub.js";
import { featureUnavailable, unauthenticated } from "./errors.js";
import type { MutationRateLimiter } from "./rate-limit.js";
import type { StageClock } from "./stage-clock.js";
import type { ServerAccess, SessionKey, Viewer } from "./viewer.js";

/**
 * What the doors and the context call themselves: the plan, who a token belongs to, sockets per
 * user, pub/sub, the mutation rate limit, the stage clock. The services object app.ts hands in
 * carries every feature's services too (src/services.ts, the composition root's list); each
 * resolver names the ones it uses in its own Context<…>, so this layer names no feature.
 */
export interface DoorServices {
  config: Config;
  pubsub: PubSub;
  mutationLimit: MutationRateLimiter;
  /** With STAGE_TIMINGS only: marks where a message's time goes (./stage-clock.ts). */
  stageClock: StageClock | undefined;
  identity: {
    serverAccess(apiKey: string | undefined): ServerAccess;
    authenticate(token: string): Promise<Viewer>;
    /** The jtis of those sessions that no longer hold. */
    revokedAmong(sessions: readonly SessionKey[]): Promise<Set<string>>;
  };
  presence: {
    socketOpened(userId: number, socketId: string): Promise<void>;
    socketCount(userId: number): Promise<number>;
    socketClosed(userId: number, socketId: string): Promise<void>;
  };
}

/** The context of an operation; S: the services its resolver calls (all of them are there). */
export interface Context<S = unknown> {
  requestId: string;
  log: Logger;
  services: S;
  /** The x-license-key header (HTTP only). */
  licenseKey: string | undefined;
  /** Whether the request carries the app backend's credential, the x-api-key header (HTTP only). */
  serverAccess: ServerAccess;
  /** The client's address (behind trusted proxies, the one they report), when known. */
  clientAddress: string | undefined;
  /** The caller; UNAUTHENTICATED when the operation came without a valid token. */
  viewer(): Promise<Viewer>;
  /** The caller, or null for an operation without a valid token (an invalid one still fails). */
  caller(): Promise<Viewer | null>;
  /** FEATURE_UNAVAILABLE unless the server's plan includes the feature. */
  requireFeature(feature: Feature): void;
  /** The socket a subscription's events are written to (WebSocket only). */
  delivery: DeliveryLink | undefined;
  /**
   * When the request arrived (performance.now()): the HTTP request, or the subscribe message over
   * WebSocket. Taken only with STAGE_TIMINGS, as a message's door stage.
   */
  receivedAt: number | undefined;
}

/** The socket a subscription's events are written to, as the message stream sees it (WebSocket only). */
export interface DeliveryLink {
  /**
   * Whether the event handed to the socket last was sent: the socket was open then (a send to a
   * socket no longer open resolves without writing it: SocketLink.send).
   */
  lastSent(): boolean;
  /** Events waiting for the socket, beyond which it is closed. */
  maxQueued: number;
  /** Closes the socket: it has fallen more than maxQueued events behind. */
  overflow(): void;
  /**
   * With STAGE_TIMINGS only: the stream names the message it yields next, so that the socket
   * marks its render stage once it is rendered for the socket (onNext), which the stream never sees.
   */
  yielding?: (id: string) => void;
  /**
   * More events wait behind the one the stream yields now: the socket may hold its writes for the
   * rest of the event loop's turn and send them together (SocketLink.holdWrites).
   */
  following?: () => void;
}

export interface ContextInput {
  requestId: string;
  log: Logger;
  /**
   * When given, the context's log is a child of log with these bindings, made each time it is
   * read rather than kept: a subscription may live for hours without logging a line, and a kept
   * child logger costs about 0.8 KB (its bindings serialised, its formatters).
   */
  logBindings?: Bindings;
  licenseKey?: string | undefined;
  serverAccess?: ServerAccess;
  clientAddress?: string | undefined;
  /** Resolves the caller at most once, on first use: public operations never pay for it. */
  authenticate?: () => Promise<Viewer | null>;
  /**
   * The caller, when the door knows it already (a socket's, from connection_init): the context
   * keeps no promise of it, as a subscription keeps its context for as long as it lives.
   */
  viewer?: Viewer;
  delivery?: DeliveryLink | undefined;
  receivedAt?: number | undefined;
}

/**
 * A class rather than an object of closures: a subscription keeps its context for as long as it
 * lives, and an idle socket's subscriptions are most of what a process holds.
 */
class OperationContext<S extends { config: Config }> implements Context<S> {
  readonly requestId: string;
  readonly licenseKey: string | undefined;
  readonly serverAccess: ServerAccess;
  readonly clientAddress: string | undefined;
  readonly delivery: DeliveryLink | undefined;
  readonly receivedAt: number | undefined;
  private readonly baseLog: Logger;
  private readonly logBindings: Bindings | undefined;
  private authenticate: (() => Promise<Viewer | null>) | undefined;
  private known: Promise<Viewer | null> | undefined = undefined;
  private readonly given: Viewer | undefined;

  constructor(
    readonly services: S,
    input: ContextInput,
  ) {
    this.requestId = input.requestId;
    this.baseLog = input.log;
    this.logBindings = input.logBindings;
    this.licenseKey = input.licenseKey;
    this.serverAccess = input.serverAccess ?? "none";
    this.clientAddress = input.clientAddress;
    this.delivery = input.delivery;
    this.receivedAt = input.receivedAt;
    this.authenticate = input.authenticate;
    this.given = input.viewer;
  }

  get log(): Logger {
    return this.logBindings ? this.baseLog.child(this.logBindings) : this.baseLog;
  }

  async viewer(): Promise<Viewer> {
    const v = await this.caller();
    if (!v) throw unauthenticated();
    return v;
  }

  caller(): Promise<Viewer | null> {
    if (this.given) return Promise.resolve(this.given);
    if (!this.known) {
      if (!this.authenticate) return Promise.resolve(null);
      this.known = this.authenticate();
      this.authenticate = undefined;
    }
    return this.known;
  }

  requireFeature(feature: Feature): void {
    if (!this.services.config.features.has(feature)) throw featureUnavailable(feature);
  }
}

export function createContext<S extends { config: Config }>(services: S, input: ContextInput): Context<S> {
  return new OperationContext(services, input);
}

/** The token of an "Authorization: Bearer <token>" value, or undefined when there is none. */
export function bearerToken(authorization: unknown): string | undefined {
  if (typeof authorization !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
