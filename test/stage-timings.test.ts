// STAGE_TIMINGS: where one message's time goes, from the door to the recipient's socket, as
// parley_message_stage_seconds on /metrics; and nothing of it without the setting.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { describe, expect, it, vi } from "vitest";
import { WsClient } from "./support/clients.js";
import { registerUsers, sendText, type TestUser } from "./support/fixtures.js";
import { liveSubscription } from "./support/live.js";
import { scrape } from "./support/prometheus.js";
import { backendName, startServer, type TestServer } from "./support/server.js";

const SERIES = "parley_message_stage_seconds";
/** Every stage after the door, which is time zero. */
const STAGES = ["resolver", "write", "commit", "announce", "broker", "render", "socket"];
/** The stages that add up to door → the recipient's socket: announce runs beside broker, both from commit. */
const PATH = STAGES.filter((stage) => stage !== "announce");
const SEND = `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id } }`;

/** Alice and Bob, each with a live messageReceived subscription (its probes carry no msgId, so they are never timed). */
async function pairListening(server: TestServer) {
  const [alice, bob] = await registerUsers(server, 2);
  const aliceWs = await WsClient.connect(server, alice.token);
  const bobWs = await WsClient.connect(server, bob.token);
  const inbox = (await liveSubscription(bobWs, bob, server)).sub;
  const outbox = (await liveSubscription(aliceWs, alice, server)).sub;
  return { alice, bob, aliceWs, inbox, outbox };
}

/** Sends a text with a msgId through a door: HTTP, or the sender's socket. */
async function send(server: TestServer, door: string, from: TestUser & { ws: WsClient }, to: TestUser, msgId: string): Promise<void> {
  if (door === "http") {
    await sendText(server, from, to, "timed", { msgId });
    return;
  }
  const result = await from.ws.execute(SEND, { input: { toJid: to.jid, messageText: "timed", msgId } });
  expect(result.errors).toBeUndefined();
}

describe(`stage timings (${backendName})`, () => {
  it.each(["http", "ws"])(
    "with STAGE_TIMINGS, a message sent over %s is timed once per stage for its recipient, and its stages from door to socket add up to no more than the client saw",
    async (door) => {
      const server = await startServer({ STAGE_TIMINGS: "true" });
      // Alice listens too: her own copy comes through the same stream, and must not be timed.
      const { alice, bob, aliceWs, inbox, outbox } = await pairListening(server);
      const before = await scrape(server);
      for (const stage of STAGES) expect(before.histogram(SERIES, { stage }).count, stage).toBe(0);

      const msgId = randomUUID();
      const sentAt = performance.now();
      await send(server, door, { ...alice, ws: aliceWs }, bob, msgId);
      await inbox.waitFor((d) => d.messageReceived.id === msgId);
      const seenSeconds = (performance.now() - sentAt) / 1000;
      await outbox.waitFor((d) => d.messageReceived.id === msgId);

      // A message is observed once every stage is in: the server's socket callback and the
      // publisher's PUBLISH answer may both come after the client has the message.
      const after = await vi.waitFor(async () => {
        const s = await scrape(server);
        expect(s.histogram(SERIES, { stage: "socket" }).count).toBe(1);
        return s;
      });
      for (const stage of STAGES) expect(after.histogram(SERIES, { stage }).count, stage).toBe(1);
      const total = PATH.reduce((sum, stage) => sum + after.histogram(SERIES, { stage }).sum, 0);
      expect(total).toBeGreaterThan(0);
      expect(total).toBeLessThanOrEqual(seenSeconds);
    },
  );

  it("without STAGE_TIMINGS nothing is timed: /metrics has no parley_message_stage_seconds", async () => {
    const server = await startServer();
    const { alice, bob, inbox } = await pairListening(server);
    const msgId = randomUUID();
    await sendText(server, alice, bob, "not timed", { msgId });
    await inbox.waitFor((d) => d.messageReceived.id === msgId);

    const after = await scrape(server);
    expect(after.histogramSeries(SERIES)).toEqual([]);
    expect(after.families.map((f) => f.name)).not.toContain(SERIES);
  });
});
