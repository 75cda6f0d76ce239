// Typing indicators: never stored, only published. A COMPOSING that is not refreshed within
// TYPING_TIMEOUT_MS is followed by GONE; the receiving side keeps that timer, so it holds
// whichever process the typist's refreshes go through.
import type { Viewer } from "../identity/identity.types.js";
import { AsyncQueue, endedWith } from "../realtime/async-queue.js";
import type { PubSub } from "../realtime/pubsub.js";
import { type TypingPayload, topics } from "../realtime/topics.js";
import { Addressing } from "./addressing.js";

export class TypingService {
  constructor(
    private readonly addressing: Addressing,
    private readonly pubsub: PubSub,
    private readonly timeoutMs: number,
  ) {}

  async send(viewer: Viewer, toJid: string, state: TypingPayload["state"]): Promise<boolean> {
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    Addressing.requireMember(chat);
    const at = new Date().toISOString();
    const others = (await this.addressing.audience(chat)).filter((a) => a.userId !== viewer.userId);
    // As the others see the chat: the group, or the typist.
    const chatJid = chat.type === "GROUPCHAT" ? chat.jid : chat.me.jid;
    await this.pubsub.publishToMany<TypingPayload>(
      { chatJid, fromJid: chat.me.jid, state, at },
      others.map((a) => ({ topic: topics.typing(a.userId), patch: a.chatJid === chatJid ? undefined : { chatJid: a.chatJid } })),
    );
    return true;
  }

  /** Typing events in the viewer's chats (only chat jid when given), with GONE after a silent COMPOSING. */
  events(viewer: Viewer, jid: string | null): AsyncGenerator<TypingPayload> {
    const queue = new AsyncQueue<TypingPayload>();
    return endedWith(queue, this.eventsInto(queue, viewer, jid));
  }

  private async *eventsInto(queue: AsyncQueue<TypingPayload>, viewer: Viewer, jid: string | null): AsyncGenerator<TypingPayload> {
    const timers = new Map<string, NodeJS.Timeout>();
    const stop = await this.pubsub.listen(topics.typing(viewer.userId), (event) => {
      if (jid !== null && event.chatJid !== jid) return;
      const key = `${event.chatJid} ${event.fromJid}`;
      clearTimeout(timers.get(key));
      timers.delete(key);
      if (event.state === "COMPOSING") {
        timers.set(
          key,
          setTimeout(() => {
            timers.delete(key);
            queue.push({ ...event, state: "GONE", at: new Date().toISOString() });
          }, this.timeoutMs),
        );
      }
      queue.push(event);
    });
    try {
      yield* queue;
    } finally {
      stop();
      queue.end();
      for (const timer of timers.values()) clearTimeout(timer);
    }
  }
}
