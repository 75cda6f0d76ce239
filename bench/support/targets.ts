// The systems a workload drives the same way: Parley with sends over HTTP, Parley with sends over
// its graphql-ws socket (subscriptions over graphql-ws either way), and the floor (plain POST and
// WebSocket).
import type { Client } from "graphql-ws";
import { postJson } from "./http.js";
import { type BenchUser, openSocket, ParleyHttp, SEND_TEXT, subscribeFloor, subscribeMessages } from "./parley.js";

export type TargetKind = "parley" | "parley-socket" | "floor";

/** Where a message goes: a user, or a group (Parley's jid, the floor's key). */
export type Destination = { user: BenchUser } | { groupJid: string; groupKey: string };

export interface Subscription {
  close(): void;
}

export interface Target {
  kind: TargetKind;
  url: string;
  wsUrl: string;
  send(from: BenchUser, to: Destination, msgId: string, text: string): Promise<void>;
  subscribe(user: BenchUser, onMessage: (id: string) => void): Promise<Subscription>;
}

export function parleyTarget(url: string): Target {
  const http = new ParleyHttp(url);
  const wsUrl = `${url.replace(/^http/, "ws")}/graphql`;
  return {
    kind: "parley",
    url,
    wsUrl,
    async send(from, to, msgId, text) {
      const toJid = "user" in to ? to.user.jid : to.groupJid;
      await http.gql(SEND_TEXT, { input: { toJid, msgId, messageText: text } }, from.token);
    },
    async subscribe(user, onMessage) {
      const client = await subscribeMessages(wsUrl, user.token, onMessage);
      return { close: () => void client.dispose() };
    },
  };
}

/**
 * Parley with each sender's mutations on a graphql-ws socket of its own (opened on its first send,
 * as an app keeps one socket for everything), so the door is the socket rather than HTTP.
 */
export function parleySocketTarget(url: string): Target & { close(): void } {
  const http = parleyTarget(url);
  const sockets = new Map<number, Promise<Client>>();
  return {
    ...http,
    kind: "parley-socket",
    async send(from, to, msgId, text) {
      let socket = sockets.get(from.id);
      if (!socket) sockets.set(from.id, (socket = openSocket(http.wsUrl, from.token)));
      const client = await socket;
      const toJid = "user" in to ? to.user.jid : to.groupJid;
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        client.subscribe(
          { query: SEND_TEXT, variables: { input: { toJid, msgId, messageText: text } } },
          {
            next: (result) => {
              if (result.errors?.length) {
                failed = true;
                reject(new Error(JSON.stringify(result.errors)));
              }
            },
            error: reject,
            complete: () => (failed ? undefined : resolve()),
          },
        );
      });
    },
    close() {
      for (const socket of sockets.values()) void socket.then((c) => c.dispose());
      sockets.clear();
    },
  };
}

export function floorTarget(url: string): Target {
  const wsUrl = `${url.replace(/^http/, "ws")}/ws`;
  return {
    kind: "floor",
    url,
    wsUrl,
    async send(from, to, msgId, text) {
      const body = "user" in to ? { from: from.id, to: to.user.id, msgId, text } : { from: from.id, group: to.groupKey, msgId, text };
      const response = await postJson<unknown>(url, "/send", body);
      if (response.status !== 200) throw new Error(`floor send: ${response.status} ${JSON.stringify(response.body)}`);
    },
    async subscribe(user, onMessage) {
      const socket = await subscribeFloor(wsUrl, user.id, onMessage);
      return { close: () => socket.close() };
    },
  };
}

/** Runs fn over items, at most `limit` at a time. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
