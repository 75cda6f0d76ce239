// The two systems a workload drives the same way: Parley (GraphQL over HTTP and graphql-ws) and
// the floor (plain POST and WebSocket).
import { postJson } from "./http.js";
import { type BenchUser, ParleyHttp, SEND_TEXT, subscribeFloor, subscribeMessages } from "./parley.js";

export type TargetKind = "parley" | "floor";

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
