// A messageReceived subscription proven live on the path between processes, not by replay.
import type { Subscription, WsClient } from "./clients.js";
import { sendText, type TestUser } from "./fixtures.js";
import type { Endpoint } from "./server.js";

export const LIVE_RECEIVED = `subscription { messageReceived { id } }`;

/** Text of the notes to self that prove a subscription live: tests counting events leave them out. */
export const PROBE_TEXT = "liveness probe";

/** How long one probe is waited for before the next is sent. */
const PROBE_INTERVAL_MS = 300;

export interface LiveSubscription<T> {
  sub: Subscription<T>;
  /** Ids of the probes sent: the subscription may have received any of them. */
  probeIds: Set<string>;
}

/**
 * Subscribes ws to `query` (a messageReceived subscription without afterRowId, selecting id; or
 * another subscription that carries the user's new messages without a replay cursor, with idOf
 * naming the message id an event carries),
 * then sends notes to self through `via` until one arrives. Without a replay cursor nothing comes
 * from the database, so an arrival proves the subscription live for messages published by `via`:
 * with `via` another process, through the broker. Probes are repeated because the server starts
 * listening some time after the client's subscribe, and a probe published before that is gone.
 * Rejects when none arrives within timeoutMs.
 */
export async function liveSubscription<T = { messageReceived: { id: string } }>(
  ws: WsClient,
  user: TestUser,
  via: Endpoint,
  options: { query?: string; variables?: Record<string, unknown>; timeoutMs?: number; idOf?: (data: T) => string | undefined } = {},
): Promise<LiveSubscription<T>> {
  const query = options.query ?? LIVE_RECEIVED;
  const idOf = options.idOf ?? ((d: T) => (d as { messageReceived: { id: string } }).messageReceived.id);
  // A replay would deliver the probe from the database, proving nothing about live delivery.
  if (/afterRowId|\bafter:/.test(query)) throw new Error("liveSubscription subscribes without a replay cursor");
  const timeoutMs = options.timeoutMs ?? 5000;
  const sub = ws.subscribe<T>(query, options.variables);
  const probeIds = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await sendText(via, user, user, PROBE_TEXT);
    probeIds.add(probe.id);
    const wait = Math.min(PROBE_INTERVAL_MS, deadline - Date.now());
    try {
      await sub.waitFor((d) => probeIds.has(idOf(d) ?? ""), Math.max(wait, 1));
      return { sub, probeIds };
    } catch (error) {
      if (Date.now() >= deadline) {
        sub.dispose();
        throw new Error(`subscription not live through ${via.graphqlUrl} within ${timeoutMs} ms: ${(error as Error).message}`);
      }
    }
  }
}
