// One WebSocket that heals itself: connects with a fresh token when the last one ended, waits a
// bounded, jittered, exponentially growing delay between attempts, and on every connection
// subscribes its streams anew with variables computed at that moment (the message cursor), since
// graphql-ws would resend the variables of the first subscribe. One graphql-ws client per socket.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type Client, createClient } from "graphql-ws/client";
import { type GraphQLErrorBody, ParleyError } from "./errors.js";
import { operationName, sourceOf } from "./http.js";

export type ConnectionState = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

export interface ReconnectOptions {
  /** The first retry waits up to this long (ms); each further one up to twice as long. Default 500. */
  initialDelayMs?: number;
  /** No wait is longer than this (ms). Default 30 000. */
  maxDelayMs?: number;
}

/** "Full jitter": a random wait below a ceiling that doubles per attempt, capped, so that clients cut off together do not come back together. */
export function reconnectDelay(attempt: number, options: ReconnectOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** A subscription kept alive across sockets. */
export interface Stream<R = unknown, V = unknown> {
  document: TypedDocumentNode<R, V>;
  /** Called on every (re)subscription, so that a cursor resumes where the last socket stopped. */
  variables: () => V | Promise<V>;
  onData: (data: R) => void;
}

/** Closes after which the token is asked for again (the server's reasons, README "Sessions"). */
const TOKEN_ENDED = new Set(["Token expired", "Token revoked"]);
/** Unauthorized (the token ended while the socket was open), Forbidden (refused at connection_init), Too many sockets. */
const REFUSED_CODES = new Set([4401, 4403, 4429]);
/** A ping unanswered this long means the connection is gone even if TCP has not noticed (a dropped network). */
const PONG_TIMEOUT_MS = 5_000;

interface Ended {
  code: number;
  reason: string;
  wasConnected: boolean;
}

export interface RealtimeOptions {
  url: string;
  webSocketImpl: unknown;
  /** stale: the token the server just refused (get another one), or undefined for the current one. */
  token: (stale: string | undefined) => Promise<string>;
  reconnect: ReconnectOptions;
  keepAliveMs: number;
  onState: (state: ConnectionState) => void;
  onError: (error: ParleyError) => void;
}

export class Realtime {
  private readonly streams = new Map<string, Stream<any, any>>();
  private readonly disposers = new Map<string, () => void>();
  private client: Client | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private state: ConnectionState = "idle";
  private subscribing: Promise<unknown> = Promise.resolve();
  private readonly stateWaiters = new Set<() => void>();
  private refusalWaiters = new Set<(error: ParleyError) => void>();
  private closeCurrent: (() => void) | undefined;
  private dropCurrent: (() => void) | undefined;

  constructor(private readonly options: RealtimeOptions) {}

  get connectionState(): ConnectionState {
    return this.state;
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.run().finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.closeCurrent?.();
    await this.running;
  }

  /** Keeps a subscription under key on every socket from now on. */
  add(key: string, stream: Stream<any, any>): void {
    if (this.streams.has(key)) this.remove(key);
    this.streams.set(key, stream);
    if (this.client) this.subscribe(this.client, key, stream);
  }

  remove(key: string): void {
    this.streams.delete(key);
    this.disposers.get(key)?.();
    this.disposers.delete(key);
  }

  /**
   * Resolves once a socket is acknowledged and the server has taken every stream added so far: a
   * query sent after them over the same socket has come back. Rejects if the server refuses the
   * socket (4401, 4403, 4429) or the client is stopped meanwhile.
   */
  async ready(): Promise<void> {
    for (;;) {
      // Waits for a socket, not only the state: the state still says connected for a moment after
      // its socket ended, and a loop going round without a socket would starve the timer that reconnects.
      await this.until(() => (this.state === "connected" && this.client !== undefined) || this.stopping || !this.running);
      if (this.stopping || !this.running) throw new ParleyError("the client is closed", [], { code: "CLOSED" });
      await this.subscribing;
      const client = this.client;
      if (!client) continue;
      const done = await new Promise<boolean>((resolve) => {
        client.subscribe({ query: "{ __typename }" }, { next: () => undefined, error: () => resolve(false), complete: () => resolve(true) });
      });
      if (done) return;
    }
  }

  private until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.stateWaiters.delete(check);
        this.refusalWaiters.delete(refused);
        resolve();
      };
      const refused = (error: ParleyError) => {
        this.stateWaiters.delete(check);
        this.refusalWaiters.delete(refused);
        reject(error);
      };
      this.stateWaiters.add(check);
      this.refusalWaiters.add(refused);
    });
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.options.onState(state);
    for (const check of [...this.stateWaiters]) check();
  }

  private fail(error: ParleyError): void {
    this.options.onError(error);
    const waiters = this.refusalWaiters;
    this.refusalWaiters = new Set();
    for (const reject of waiters) reject(error);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let refresh = false;
    let everConnected = false;
    /** A token refused right after a refresh is worth telling the app about. */
    let refusedAfterRefresh = false;
    let lastToken: string | undefined;
    this.setState("connecting");
    while (!this.stopping) {
      let token: string | undefined;
      try {
        token = await this.options.token(refresh ? lastToken : undefined);
        lastToken = token;
      } catch (cause) {
        this.fail(cause instanceof ParleyError ? cause : new ParleyError(`getToken failed: ${String(cause)}`, [], { code: "UNAUTHENTICATED", cause }));
      }
      const ended = token === undefined || this.stopping ? undefined : await this.connectOnce(token);
      if (ended?.wasConnected) {
        everConnected = true;
        attempt = 0;
      }
      if (this.stopping) break;
      // Not connected from the moment the socket ends, however long the wait before the next one.
      this.setState(everConnected ? "reconnecting" : "connecting");
      const tokenEnded = ended !== undefined && TOKEN_ENDED.has(ended.reason);
      if (ended && REFUSED_CODES.has(ended.code) && (!tokenEnded || refusedAfterRefresh)) {
        this.fail(new ParleyError(`the server closed the socket: ${ended.code} ${ended.reason}`, [], { code: "SOCKET_REFUSED", closeCode: ended.code }));
      }
      // Refused right after a refresh: the new token never made a socket (one that did and was
      // later revoked or expired is simply replaced again).
      refusedAfterRefresh = tokenEnded && refresh && !ended?.wasConnected;
      refresh = tokenEnded || ended?.code === 4403;
      // A token that simply ended is replaced at once; anything else waits its turn.
      if (!(tokenEnded && !refusedAfterRefresh)) await this.sleep(reconnectDelay(attempt++, this.options.reconnect));
    }
    this.setState("closed");
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.closeCurrent = done;
    });
  }

  /** One socket, from connection_init to its close. */
  private connectOnce(token: string): Promise<Ended> {
    return new Promise((resolve) => {
      let wasConnected = false;
      let socket: { readyState: number; close(code: number, reason: string): void } | undefined;
      let pongTimer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const client = createClient({
        url: this.options.url,
        webSocketImpl: this.options.webSocketImpl,
        lazy: false,
        retryAttempts: 0,
        keepAlive: this.options.keepAliveMs,
        connectionParams: { authorization: `Bearer ${token}` },
        on: {
          connected: (s) => {
            socket = s as typeof socket;
            wasConnected = true;
            this.client = client;
            for (const [key, stream] of this.streams) this.subscribe(client, key, stream);
            this.setState("connected");
          },
          ping: (received) => {
            if (received) return;
            pongTimer = setTimeout(() => {
              if (socket?.readyState === 1) socket.close(4408, "Pong timeout");
            }, PONG_TIMEOUT_MS);
          },
          pong: (received) => {
            if (received) clearTimeout(pongTimer);
          },
          closed: (event) => end(event),
        },
        onNonLazyError: (error) => end(error),
      });
      const end = (event: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(pongTimer);
        if (this.client === client) this.client = undefined;
        this.disposers.clear();
        this.closeCurrent = undefined;
        this.dropCurrent = undefined;
        // dispose() waits for the connection attempt, and rejects with its close if it never opened.
        void Promise.resolve(client.dispose()).catch(() => undefined);
        const close = event as { code?: unknown; reason?: unknown };
        resolve({
          code: typeof close?.code === "number" ? close.code : 0,
          reason: typeof close?.reason === "string" ? close.reason : String(event),
          wasConnected,
        });
      };
      this.dropCurrent = () => {
        if (socket?.readyState === 1) socket.close(4000, "Resubscribe");
      };
      this.closeCurrent = () => {
        if (socket?.readyState === 1) socket.close(1000, "Normal Closure");
        end({ code: 1000, reason: "closed by the app" });
      };
    });
  }

  private subscribe(client: Client, key: string, stream: Stream<any, any>): void {
    const name = operationName(stream.document);
    const started = (async () => {
      const variables = await stream.variables();
      // The socket may have closed, or the stream been removed, while the variables were computed.
      if (this.client !== client || this.streams.get(key) !== stream) return;
      const dispose = client.subscribe(
        { query: sourceOf(stream.document), variables: variables as Record<string, unknown> },
        {
          next: (result) => {
            if (result.errors?.length) this.options.onError(ParleyError.fromErrors(name, result.errors as GraphQLErrorBody[]));
            else if (result.data) stream.onData(result.data);
          },
          // A close ends every subscription of the socket; run() reconnects, nothing to do here.
          error: (error) => {
            if (Array.isArray(error)) this.options.onError(ParleyError.fromErrors(name, error as GraphQLErrorBody[]));
          },
          complete: () => undefined,
        },
      );
      this.disposers.set(key, dispose);
    })().catch((cause: unknown) => {
      this.options.onError(cause instanceof ParleyError ? cause : new ParleyError(`${name}: ${String(cause)}`, [], { code: "NETWORK_ERROR", cause }));
      // A stream missing from a socket would miss events silently: start over on a new socket.
      if (this.client === client) this.dropCurrent?.();
    });
    this.subscribing = Promise.all([this.subscribing, started]);
  }
}
