// graphql-ws's protocol core (makeServer) on the ws server's sockets, in place of its own
// graphql-ws/use/ws adapter: the same wiring, but what an open socket holds for its life is one
// object (SocketLink), its transport and its extra at once, and listeners shared by every socket,
// rather than a closure per callback, a once-wrapper per listener and a suspended async listener
// under each operation. Idle sockets are what a process holds most of. The subscribe messages of
// subscriptions go to ProtocolStreams (graphql-ws-streams.ts) rather than to the core's handler,
// which stays suspended for a subscription's life. Keep-alive and the connection_init timeout are
// the caller's (websocket.ts), as are the sockets' error listeners.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  CloseCode,
  type Context,
  DEPRECATED_GRAPHQL_WS_PROTOCOL,
  handleProtocols,
  makeServer,
  type Message,
  MessageType,
  parseMessage,
  type ServerOptions,
  type SubscribePayload,
  type WebSocket as ProtocolSocket,
} from "graphql-ws";
import { type RawData, WebSocket, type WebSocketServer } from "ws";
import { ProtocolStreams } from "./graphql-ws-streams.js";

/**
 * What a socket holding its writes (SocketLink.holdWrites) takes without waiting for each write:
 * past it, a send flushes what is held and waits for its write like any other.
 */
const HELD_BYTES = 64 * 1024;

/** The TCP socket under a ws socket: ws has no cork of its own, and its maintainers point here (websockets/ws#1999). */
function rawSocket(socket: WebSocket): Duplex | undefined {
  return (socket as unknown as { _socket?: Duplex })._socket;
}

function release(link: SocketLink): void {
  link.releaseWrites();
}

/** A held write's failure: the socket closes, and its close ends what was under way on it. */
function heldWriteFailed(): void {}

/** Every frame is text (graphql-transport-ws), also one sent as bytes. */
const TEXT = { binary: false } as const;

/** One socket as graphql-ws's core sees it (its transport), and as the hooks see it (ctx.extra). */
export class SocketLink implements ProtocolSocket {
  /** graphql-ws's handler of this socket's messages. */
  received: ((data: string) => Promise<void>) | undefined = undefined;
  /** graphql-ws's handler of this socket's close. */
  closed: ((code: number, reason: string) => Promise<void>) | undefined = undefined;
  /** graphql-ws's context of this socket, once connection_init came (ProtocolStreams serves subscriptions on it). */
  protocolContext: Context<Record<string, unknown> | undefined, this> | undefined = undefined;
  /** The TCP socket is corked until the event loop's check phase (holdWrites). */
  private holding = false;

  constructor(readonly socket: WebSocket) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  /** Sends one text frame: graphql-ws's messages as strings, ProtocolStreams' next messages as their UTF-8 bytes. */
  send(data: string | Buffer): Promise<void> {
    // graphql-ws waits for the write (the message stream's DELIVERED depends on it); a socket no
    // longer open resolves at once, unwritten. A socket holding its writes takes the frame at
    // once, up to HELD_BYTES: it leaves with the rest in one write when the hold ends.
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) return resolve();
      if (this.holding && this.socket.bufferedAmount < HELD_BYTES) {
        this.socket.send(data, TEXT, heldWriteFailed);
        return resolve();
      }
      this.releaseWrites();
      this.socket.send(data, TEXT, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * More frames are about to follow (a backlog of events): until the event loop's check phase,
   * frames are gathered and then written together, one system call instead of one each.
   */
  holdWrites(): void {
    if (this.holding || this.socket.readyState !== WebSocket.OPEN) return;
    const raw = rawSocket(this.socket);
    if (!raw) return;
    this.holding = true;
    raw.cork();
    setImmediate(release, this);
  }

  releaseWrites(): void {
    if (!this.holding) return;
    this.holding = false;
    rawSocket(this.socket)?.uncork();
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(cb: (data: string) => Promise<void>): void {
    this.received = cb;
  }
}

/**
 * Serves graphql-ws on wss: each socket gets the link made by link(socket, request), opened in
 * graphql-ws's core. The subscribe messages that options.streams picks (subscriptions) are
 * served by ProtocolStreams on graphql-ws's context instead of by the core's handler. failed(err,
 * link) hears what the handling of a socket's message threw, and failed(err) an error of the
 * server: the socket, or every socket, is then closed with 4500 (the error's message outside
 * production), as use/ws does.
 */
export function serveGraphqlWs<L extends SocketLink>(
  wss: WebSocketServer,
  options: ServerOptions<Record<string, unknown> | undefined, L> & { isProd: boolean; streams: (payload: SubscribePayload) => boolean },
  link: (socket: WebSocket, request: IncomingMessage) => L,
  failed: (err: unknown, link?: L) => void,
): { dispose(): Promise<void> } {
  const server = makeServer<Record<string, unknown> | undefined, L>({
    ...options,
    onConnect: (ctx) => {
      ctx.extra.protocolContext = ctx;
      return options.onConnect?.(ctx);
    },
  });
  const links = new WeakMap<WebSocket, L>();
  const internalReason = (err: unknown) => {
    if (options.isProd) return "Internal server error";
    const message = err instanceof Error ? err.message : String(err);
    return message.length < 124 ? message : "Internal server error";
  };

  // Shared by every socket: ws calls them with the socket as this.
  function onSocketMessage(this: WebSocket, data: RawData) {
    const served = links.get(this);
    if (!served) return;
    const text = String(data);
    const subscription = subscriptionIn(text);
    const handling = subscription ? streams.subscribe(served, served.protocolContext, subscription) : served.received?.(text);
    handling?.catch(handlingFailed.bind(served));
  }
  /** The subscribe message in text when ProtocolStreams serves it; anything else, malformed included, is graphql-ws's. */
  function subscriptionIn(text: string): (Message & { type: MessageType.Subscribe }) | undefined {
    // A subscription's document holds the word: a query's or a mutation's message (the socket
    // door's most frequent) is handed on without being parsed twice.
    if (!text.includes("subscription")) return undefined;
    let message: Message;
    try {
      message = parseMessage(text);
    } catch {
      return undefined;
    }
    return message.type === MessageType.Subscribe && options.streams(message.payload) ? message : undefined;
  }
  function handlingFailed(this: L, err: unknown) {
    failed(err, this);
    this.socket.close(CloseCode.InternalServerError, internalReason(err));
  }
  const streams = new ProtocolStreams<L>(options, (err, served) => handlingFailed.call(served, err));
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const served = links.get(this);
    links.delete(this);
    if (!options.isProd && code === CloseCode.SubprotocolNotAcceptable && this.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL) {
      console.warn(
        `Client provided the unsupported and deprecated subprotocol "${this.protocol}" used by subscriptions-transport-ws.` +
          "Please see https://www.apollographql.com/docs/apollo-server/data/subscriptions/#switching-from-subscriptions-transport-ws.",
      );
    }
    void served?.closed?.(code, String(reason));
  }

  wss.options.handleProtocols = handleProtocols;
  wss.once("error", (err) => {
    failed(err);
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, internalReason(err));
  });
  wss.on("connection", (socket, request) => {
    const served = link(socket, request);
    links.set(socket, served);
    socket.on("message", onSocketMessage);
    socket.on("close", onSocketClose);
    served.closed = server.opened(served, served);
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, "Going away");
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
