// Subscriptions served on graphql-ws's context (src/http/graphql-ws-streams.ts) speak the
// protocol exactly as graphql-ws's own handler does: each exchange below runs against Parley's
// adapter (serveGraphqlWs, with ProtocolStreams) and against graphql-ws's own use/ws server, on
// real ws servers over loopback with the same schema and hooks, and the client must see the same
// frames, byte for byte, and the same close.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import {
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  subscribe,
  validate,
} from "graphql";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, type ServerOptions, type SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { SocketLink, serveGraphqlWs } from "../src/http/graphql-ws-sockets.js";

const never = () => new Promise<never>(() => undefined);

/** One event, then nothing until the client completes the subscription. */
async function* oneThenWait(): AsyncGenerator<number> {
  yield 1;
  await never();
}

/**
 * Events every subscriber of broadcast hears; each is one object, shared like a group message's.
 * An iterator rather than an async generator: return() must end it while it waits for an event.
 */
const broadcasts = new Set<(event: { n: number }) => void>();
function broadcast(): AsyncIterableIterator<{ n: number }> {
  const queue: { n: number }[] = [];
  let waiting: ((step: IteratorResult<{ n: number }>) => void) | undefined;
  const hear = (event: { n: number }) => {
    if (!waiting) return void queue.push(event);
    waiting({ value: event, done: false });
    waiting = undefined;
  };
  broadcasts.add(hear);
  const done = { value: undefined, done: true } as const;
  return {
    next: () => (queue.length ? Promise.resolve({ value: queue.shift()!, done: false }) : new Promise((resolve) => (waiting = resolve))),
    return: () => {
      broadcasts.delete(hear);
      waiting?.(done);
      return Promise.resolve(done);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { hello: { type: GraphQLString, resolve: () => "world" } } }),
  subscription: new GraphQLObjectType({
    name: "Subscription",
    fields: {
      ticks: {
        type: GraphQLInt,
        args: { n: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* (_root: unknown, { n }: { n: number }) {
          for (let i = 1; i <= n; i++) yield i;
        },
        resolve: (event: unknown) => event,
      },
      once: { type: GraphQLInt, subscribe: oneThenWait, resolve: (event: unknown) => event },
      failing: {
        type: GraphQLInt,
        subscribe: async function* () {
          yield 1;
          throw new Error("the stream broke");
        },
        resolve: (event: unknown) => event,
      },
      refused: {
        type: GraphQLInt,
        subscribe: () => {
          throw new GraphQLError("not for you", { extensions: { code: "FORBIDDEN" } });
        },
      },
      unicode: { type: GraphQLString, subscribe: oneThenWait, resolve: () => "héllo ✓ 👋" },
      broadcast: { type: GraphQLInt, subscribe: broadcast, resolve: (event: unknown) => (event as { n: number }).n },
    },
  }),
});

/** Results by event: subscribers of one broadcast get one result object, as Parley's shared results (src/graphql/shared-results.ts) do. */
const sharedResults = new WeakMap<object, ExecutionResult>();

const isBroadcast = (args: ExecutionArgs) => getOperationAST(args.document, args.operationName)?.name?.value === "Broadcast";

/** The hooks both servers run: onSubscribe answers every operation with args or errors, as Parley's does. */
const hooks: ServerOptions = {
  schema,
  onSubscribe: (_ctx, _id, payload) => {
    let document;
    try {
      document = parse(payload.query);
    } catch (error) {
      return [error as GraphQLError];
    }
    const errors = validate(schema, document);
    if (errors.length) return errors;
    if (typeof payload.variables?.n === "number" && payload.variables.n > 100) return [new GraphQLError("n: at most 100")];
    const args: ExecutionArgs = { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: {}, rootValue: undefined };
    return args;
  },
  // A broadcast's result goes out as it is, as Parley's onNext does; the rest as graphql-ws makes them.
  onNext: (_ctx, _id, _payload, args, result) => (isBroadcast(args) ? result : undefined),
  subscribe: async (args) => {
    if (!isBroadcast(args)) return subscribe(args);
    // Each event's result executed once, by whichever subscriber renders it first, and handed to the rest.
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const source = stream[Symbol.asyncIterator]();
    const results: AsyncIterableIterator<ExecutionResult> = {
      next: () =>
        source.next().then(async (step) => {
          if (step.done) return step;
          const event = step.value as object;
          let result = sharedResults.get(event);
          if (!result) sharedResults.set(event, (result = await execute({ ...args, rootValue: event })));
          return { value: result, done: false };
        }),
      return: async () => {
        await source.return?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return results;
  },
};

function isSubscription(payload: SubscribePayload): boolean {
  try {
    const document = parse(payload.query);
    return validate(schema, document).length === 0 && getOperationAST(document, payload.operationName)?.operation === "subscription";
  } catch {
    return false;
  }
}

type Server = { url: string; close(): Promise<void> };

async function listening(wss: WebSocketServer): Promise<string> {
  await once(wss, "listening");
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

/** The types of the messages Parley's adapter handed on to graphql-ws's core (all but the subscriptions it serves). */
const handedOn: string[] = [];

/** A link that notes what its socket's messages graphql-ws's core handled. */
class NotingLink extends SocketLink {
  override onMessage(handle: (data: string) => Promise<void>): void {
    super.onMessage((data) => {
      handedOn.push((JSON.parse(data) as { type: string }).type);
      return handle(data);
    });
  }
}

async function parleyServer(): Promise<Server> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  const url = await listening(wss);
  const served = serveGraphqlWs(wss, { ...hooks, isProd: false, streams: isSubscription }, (socket) => new NotingLink(socket), () => undefined);
  return { url, close: () => served.dispose() };
}

async function graphqlWsServer(): Promise<Server> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  const url = await listening(wss);
  const served = useServer(hooks, wss);
  return {
    url,
    async close() {
      await served.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A raw client: every frame it got, as text, and how the socket closed. */
class Client {
  readonly frames: string[] = [];
  closedWith: { code: number; reason: string } | undefined;
  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => this.frames.push(String(data)));
    socket.on("close", (code, reason) => (this.closedWith = { code, reason: String(reason) }));
  }

  static async open(url: string): Promise<Client> {
    const socket = new WebSocket(url, GRAPHQL_TRANSPORT_WS_PROTOCOL);
    await once(socket, "open");
    return new Client(socket);
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({ id, type: "subscribe", payload: variables ? { query, variables } : { query } });
  }

  async acknowledged(): Promise<void> {
    this.send({ type: "connection_init" });
    await this.got(1);
  }

  async got(count: number): Promise<void> {
    await expect.poll(() => this.frames.length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
  }

  async closed(): Promise<{ code: number; reason: string }> {
    await expect.poll(() => this.closedWith, { timeout: 5000 }).toBeDefined();
    return this.closedWith!;
  }

  close(): void {
    this.socket.terminate();
  }
}

type Transcript = { frames: string[][]; closes: ({ code: number; reason: string } | undefined)[] };

/** Runs exchange against a fresh server of each kind; the two transcripts must be equal. */
async function bothAgree(exchange: (url: string) => Promise<Client[]>): Promise<Transcript> {
  const transcripts: Transcript[] = [];
  for (const start of [graphqlWsServer, parleyServer]) {
    const server = await start();
    cleanups.push(() => server.close());
    const clients = await exchange(server.url);
    // Anything that should not have come has its chance to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    transcripts.push({ frames: clients.map((c) => [...c.frames]), closes: clients.map((c) => c.closedWith) });
    for (const client of clients) client.close();
  }
  expect(transcripts[1]).toEqual(transcripts[0]);
  // Every subscribe message was served by ProtocolStreams, not by graphql-ws's core.
  expect(handedOn.filter((type) => type === "subscribe")).toEqual([]);
  return transcripts[1]!;
}

/** The exchange of one acknowledged client that subscribes once and waits for frames frames (the ack included). */
function oneSubscription(id: string, query: string, frames: number, variables?: Record<string, unknown>) {
  return async (url: string): Promise<Client[]> => {
    const client = await Client.open(url);
    await client.acknowledged();
    client.subscribe(id, query, variables);
    await client.got(frames);
    return [client];
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  handedOn.length = 0;
});

describe("subscriptions served on graphql-ws's context speak its protocol", () => {
  it("a stream's events, then its complete, byte for byte", async () => {
    const { frames } = await bothAgree(oneSubscription("1", "subscription Ticks($n: Int!) { ticks(n: $n) }", 5, { n: 3 }));
    expect(frames[0]!.slice(1).map((f) => JSON.parse(f) as unknown)).toEqual([
      { id: "1", type: "next", payload: { data: { ticks: 1 } } },
      { id: "1", type: "next", payload: { data: { ticks: 2 } } },
      { id: "1", type: "next", payload: { data: { ticks: 3 } } },
      { id: "1", type: "complete" },
    ]);
  });

  it("text beyond ASCII, in the result and in the id, is sent as the same UTF-8", async () => {
    await bothAgree(oneSubscription("é-✓-👋", "subscription { unicode }", 2));
  });

  it("one result shared by two subscribers reaches each with its own id", async () => {
    const { frames } = await bothAgree(async (url) => {
      // The last server's subscriptions are gone first (its sockets' close is handled in its own time).
      await expect.poll(() => broadcasts.size).toBe(0);
      const [a, b] = [await Client.open(url), await Client.open(url)];
      await Promise.all([a.acknowledged(), b.acknowledged()]);
      a.subscribe("a", "subscription Broadcast { broadcast }");
      b.subscribe("b", "subscription Broadcast { broadcast }");
      await expect.poll(() => broadcasts.size).toBe(2);
      for (const hear of broadcasts) hear({ n: 7 });
      const event = { n: 8 };
      for (const hear of broadcasts) hear(event);
      await Promise.all([a.got(3), b.got(3)]);
      return [a, b];
    });
    expect(frames.map((f) => f.slice(1))).toEqual([
      ['{"id":"a","type":"next","payload":{"data":{"broadcast":7}}}', '{"id":"a","type":"next","payload":{"data":{"broadcast":8}}}'],
      ['{"id":"b","type":"next","payload":{"data":{"broadcast":7}}}', '{"id":"b","type":"next","payload":{"data":{"broadcast":8}}}'],
    ]);
  });

  it("a subscribe before connection_init is acknowledged closes the socket with 4401", async () => {
    const { closes } = await bothAgree(async (url) => {
      const client = await Client.open(url);
      client.subscribe("1", "subscription { once }");
      await client.closed();
      return [client];
    });
    expect(closes[0]?.code).toBe(4401);
  });

  it("a subscribe with the id of a live subscription closes the socket with 4409", async () => {
    const { closes } = await bothAgree(async (url) => {
      const client = await Client.open(url);
      await client.acknowledged();
      client.subscribe("same", "subscription { once }");
      await client.got(2);
      client.subscribe("same", "subscription { once }");
      await client.closed();
      return [client];
    });
    expect(closes[0]).toEqual({ code: 4409, reason: "Subscriber for same already exists" });
  });

  it("the client's complete ends the subscription, and its id can be used again", async () => {
    const { frames } = await bothAgree(async (url) => {
      const client = await Client.open(url);
      await client.acknowledged();
      client.subscribe("x", "subscription { once }");
      await client.got(2);
      client.send({ id: "x", type: "complete" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      client.subscribe("x", "subscription { ticks(n: 1) }");
      await client.got(4);
      return [client];
    });
    expect(frames[0]!.slice(1).map((f) => (JSON.parse(f) as { type: string }).type)).toEqual(["next", "next", "complete"]);
  });

  it("a stream that fails sends an error and no complete", async () => {
    const { frames } = await bothAgree(oneSubscription("f", "subscription { failing }", 3));
    expect(JSON.parse(frames[0]![2]!)).toEqual({ id: "f", type: "error", payload: [{ message: "the stream broke" }] });
  });

  it("a subscription whose resolver refuses it gets its errors as a result, then complete", async () => {
    const { frames } = await bothAgree(oneSubscription("r", "subscription { refused }", 3));
    expect(frames[0]!.slice(1).map((f) => (JSON.parse(f) as { type: string }).type)).toEqual(["next", "complete"]);
  });

  it("a subscription that onSubscribe refuses gets an error, and no complete", async () => {
    const { frames } = await bothAgree(oneSubscription("big", "subscription Ticks($n: Int!) { ticks(n: $n) }", 2, { n: 1000 }));
    expect(JSON.parse(frames[0]![1]!)).toEqual({ id: "big", type: "error", payload: [{ message: "n: at most 100" }] });
  });

  it("the socket's close ends its subscriptions: their streams are returned", async () => {
    for (const start of [graphqlWsServer, parleyServer]) {
      const server = await start();
      cleanups.push(() => server.close());
      await expect.poll(() => broadcasts.size).toBe(0);
      const client = await Client.open(server.url);
      await client.acknowledged();
      client.subscribe("1", "subscription Broadcast { broadcast }");
      await expect.poll(() => broadcasts.size).toBe(1);
      client.close();
      await expect.poll(() => broadcasts.size).toBe(0);
    }
    expect(handedOn).toEqual(["connection_init"]);
  });
});
