// A TCP proxy in front of a test server whose link can be cut and healed, to play a network that
// drops: cut() resets every connection through it and refuses new ones until heal(). stall()
// stops carrying the server's bytes to the clients (a client that stops reading) until flow().
import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { Endpoint } from "./server.js";

export interface TcpProxy extends Endpoint {
  cut(): void;
  heal(): void;
  stall(): void;
  flow(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { url: string }): Promise<TcpProxy> {
  const { hostname, port } = new URL(target.url);
  const open = new Set<Socket>();
  /** Each upstream connection and the client it carries bytes to. */
  const upstreams = new Map<Socket, Socket>();
  let down = false;
  let stalled = false;
  const server = createServer((client) => {
    if (down) return client.resetAndDestroy();
    const upstream = connect(Number(port), hostname);
    upstreams.set(upstream, client);
    upstream.on("close", () => upstreams.delete(upstream));
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream);
    if (!stalled) upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    graphqlUrl: `${base}/graphql`,
    wsUrl: `${base.replace(/^http/, "ws")}/graphql`,
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    heal() {
      down = false;
    },
    stall() {
      stalled = true;
      // Unpiped, not only paused: pipe() resumes its source when the destination drains.
      for (const upstream of upstreams.keys()) {
        upstream.unpipe();
        upstream.pause();
      }
    },
    flow() {
      stalled = false;
      for (const [upstream, client] of upstreams) upstream.pipe(client);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
