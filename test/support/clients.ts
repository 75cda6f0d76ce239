// Real clients: fetch for GraphQL over HTTP, the graphql-ws client for WebSocket, with a queue
// of received events and waitFor(predicate) instead of sleeps.
import { type Client, createClient, type FormattedExecutionResult as ExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import type { Endpoint } from "./server.js";

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; statusCode?: number; field?: string; [key: string]: unknown };
}

export interface GqlResult<T> {
  status: number;
  data?: T | null;
  errors?: GqlError[];
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Which of the document's operations to run. */
  operationName?: string | undefined;
}

export async function gql<T = Record<string, any>>(
  server: Endpoint,
  query: string,
  variables?: Record<string, unknown>,
  options: RequestOptions = {},
): Promise<GqlResult<T>> {
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables, ...(options.operationName ? { operationName: options.operationName } : {}) }),
  });
  const body = (await response.json()) as { data?: T; errors?: GqlError[] };
  return { status: response.status, ...body };
}

/** A request as the user (with their token), answered whatever it holds. */
export function gqlAs<T = Record<string, any>>(server: Endpoint, user: { token: string }, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  return gql<T>(server, query, variables, { token: user.token });
}

/** The data of a result that must have succeeded; fails the test with the errors otherwise. */
export async function ok<T = Record<string, any>>(
  server: Endpoint,
  query: string,
  variables?: Record<string, unknown>,
  options?: RequestOptions,
): Promise<T> {
  const result = await gql<T>(server, query, variables, options);
  if (result.errors?.length || !result.data) {
    throw new Error(`expected success, got ${result.status}: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

/** The single error of a result that must have failed. */
export function onlyError(result: GqlResult<unknown>): GqlError {
  if (!result.errors || result.errors.length !== 1) {
    throw new Error(`expected exactly one error, got ${JSON.stringify(result)}`);
  }
  return result.errors[0]!;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** Waits for a condition on a growing list, without sleeping past it. */
export class Waiter<T> {
  readonly items: T[] = [];
  private waiters: { predicate: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(item)) return true;
      w.resolve(item);
      return false;
    });
  }

  waitFor(predicate: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const found = this.items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${JSON.stringify(this.items)}`));
      }, timeoutMs);
      const waiter = {
        predicate,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      this.waiters.push(waiter);
    });
  }
}

export class Subscription<T = Record<string, any>> {
  private readonly events = new Waiter<ExecutionResult<T, unknown>>();
  private readonly ended = new Waiter<"complete" | { error: unknown }>();
  readonly dispose: () => void;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => this.events.push(value),
        error: (error) => this.ended.push({ error }),
        complete: () => this.ended.push("complete"),
      },
    );
  }

  get received(): ExecutionResult<T, unknown>[] {
    return this.events.items;
  }

  /** The first event (already received or coming) whose data matches. */
  async waitFor(predicate: (data: T) => boolean, timeoutMs = 5000): Promise<T> {
    const event = await this.events.waitFor((e) => e.data != null && predicate(e.data), timeoutMs, "a matching event");
    return event.data as T;
  }

  /** The errors that ended the subscription, if it has ended so (nothing is waited for). */
  get errors(): unknown[] {
    return this.ended.items.flatMap((e) => (e === "complete" ? [] : [e.error]));
  }

  /** Resolves with the errors or close event that ended the subscription. */
  async failure(timeoutMs = 5000): Promise<unknown> {
    const end = await this.ended.waitFor((e) => e !== "complete", timeoutMs, "the subscription to fail");
    return (end as { error: unknown }).error;
  }
}

export class WsClient {
  private readonly closes = new Waiter<CloseInfo>();
  private readonly connected = new Waiter<true>();

  private constructor(readonly client: Client) {}

  /** Opens a socket (connection_init with the token, if any) without waiting for the ack. */
  static open(server: Endpoint, token?: string, connectionParams?: Record<string, unknown>): WsClient {
    let self!: WsClient;
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: connectionParams ?? (token ? { authorization: `Bearer ${token}` } : {}),
      on: {
        connected: () => self.connected.push(true),
        closed: (event) => {
          const e = event as { code: number; reason: string };
          self.closes.push({ code: e.code, reason: String(e.reason) });
        },
      },
      onNonLazyError: () => undefined,
    });
    self = new WsClient(client);
    return self;
  }

  /** Opens a socket and waits until the server acknowledged it (longer for a server under load). */
  static async connect(server: Endpoint, token: string, timeoutMs = 5000): Promise<WsClient> {
    const ws = WsClient.open(server, token);
    await ws.connected.waitFor(() => true, timeoutMs, "connection_ack");
    return ws;
  }

  subscribe<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Subscription<T> {
    return new Subscription<T>(this.client, query, variables);
  }

  /** Runs a query or mutation over the socket. */
  async execute<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, operationName?: string): Promise<ExecutionResult<T, unknown>> {
    return new Promise((resolve, reject) => {
      let result: ExecutionResult<T, unknown> | undefined;
      this.client.subscribe<T>(
        { query, variables, ...(operationName ? { operationName } : {}) },
        {
          next: (value) => (result = value),
          error: (error) =>
            Array.isArray(error) ? resolve({ errors: error } as ExecutionResult<T, unknown>) : reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => resolve(result as ExecutionResult<T, unknown>),
        },
      );
    });
  }

  waitForClose(timeoutMs = 5000): Promise<CloseInfo> {
    return this.closes.waitFor(() => true, timeoutMs, "the socket to close");
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/** A message of the graphql-transport-ws protocol, as the server sent it. */
export interface ProtocolMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/**
 * A graphql-transport-ws socket spoken by hand, for what the graphql-ws client hides: the server's
 * pings (and not answering them), frames sent whatever the client's state.
 */
export class ProtocolSocket {
  readonly pings = new Waiter<true>();
  readonly messages = new Waiter<ProtocolMessage>();
  readonly closes = new Waiter<CloseInfo>();

  private constructor(readonly socket: WebSocket) {
    socket.on("ping", () => this.pings.push(true));
    socket.on("message", (data) => this.messages.push(JSON.parse(data.toString()) as ProtocolMessage));
    socket.on("close", (code, reason) => this.closes.push({ code, reason: reason.toString() }));
  }

  /** Opens a socket and waits for the server's connection_ack. autoPong false: pings go unanswered. */
  static async connect(server: Endpoint, token: string, options: { autoPong?: boolean } = {}): Promise<ProtocolSocket> {
    const self = new ProtocolSocket(new WebSocket(server.wsUrl, "graphql-transport-ws", { autoPong: options.autoPong ?? true }));
    await new Promise((resolve, reject) => {
      self.socket.once("open", resolve);
      self.socket.once("error", reject);
    });
    self.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
    await self.messages.waitFor((m) => m.type === "connection_ack", 5000, "connection_ack");
    return self;
  }

  send(message: ProtocolMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  waitForClose(timeoutMs = 5000): Promise<CloseInfo> {
    return this.closes.waitFor(() => true, timeoutMs, "the socket to close");
  }
}
