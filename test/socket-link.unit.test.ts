// SocketLink.holdWrites (src/http/graphql-ws-sockets.ts): a socket told that more frames follow
// takes them without waiting for each write, holds them until the event loop's check phase and
// then writes them together; past 64 KB a send flushes what is held and waits for its write.
// On a real ws server and client over loopback.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { SocketLink } from "../src/http/graphql-ws-sockets.js";

async function connected(): Promise<{ link: SocketLink; received: string[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const [[socket]] = await Promise.all([once(wss, "connection") as Promise<[WebSocket]>, once(client, "open")]);
  const received: string[] = [];
  client.on("message", (data) => received.push(String(data)));
  return {
    link: new SocketLink(socket),
    received,
    async close() {
      client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("SocketLink holding its writes", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("takes the frames at once, writes none of them until the check phase, then all, in order", async () => {
    const socketed = await connected();
    close = socketed.close;
    const { link, received } = socketed;
    link.holdWrites();
    const frames = ["one", "two", "three"];
    // Each send resolves without waiting for a write: nothing has left the process yet.
    for (const frame of frames) await link.send(frame);
    expect(link.socket.bufferedAmount).toBeGreaterThan(0);
    await turn();
    expect(link.socket.bufferedAmount).toBe(0);
    await expect.poll(() => received).toEqual(frames);
  });

  it("past 64 KB held, a send writes what was held and waits for its own write", async () => {
    const socketed = await connected();
    close = socketed.close;
    const { link, received } = socketed;
    link.holdWrites();
    const big = "x".repeat(40 * 1024);
    await link.send(`a${big}`);
    await link.send(`b${big}`);
    // Over the bound: this one flushes the hold, and resolves once ws reports it written.
    let written = false;
    const third = link.send("c").then(() => (written = true));
    expect(written).toBe(false);
    await third;
    expect(link.socket.bufferedAmount).toBe(0);
    await expect.poll(() => received.map((f) => f[0])).toEqual(["a", "b", "c"]);
  });

  it("without a hold, a send resolves only once written", async () => {
    const socketed = await connected();
    close = socketed.close;
    const { link, received } = socketed;
    let written = false;
    const sending = link.send("alone").then(() => (written = true));
    expect(written).toBe(false);
    await sending;
    expect(link.socket.bufferedAmount).toBe(0);
    await expect.poll(() => received).toEqual(["alone"]);
  });
});
