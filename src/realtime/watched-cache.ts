// What one process remembers of rows read on a hot path (a token's revocation, a user's
// allowType), forgotten when any process announces a change over pub/sub. The broker is
// at-most-once, so a remembered value is also read again after a short while; and while the
// changes are not heard (before watch resolves, after it stops) nothing is remembered.
import type { PubSub } from "./pubsub.js";
import type { Topic } from "./topics.js";

/** How long a remembered value is trusted: bounds how long a change whose wake-up the broker lost goes unnoticed. */
const RECHECK_MS = 2000;
/** Values remembered, at most; past it the memory starts over. */
const LIMIT = 100_000;

export class WatchedCache<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();
  private watching = false;

  constructor(private readonly pubsub: PubSub) {}

  /** The remembered value if fresh, else load()'s (remembered while watching). */
  async get(key: K, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const known = this.entries.get(key);
    if (this.watching && known && now - known.at < RECHECK_MS) return known.value;
    const value = await load();
    if (this.watching) {
      if (this.entries.size >= LIMIT) this.entries.clear();
      this.entries.set(key, { value, at: now });
    }
    return value;
  }

  /** Forgets a key this process just changed (its own announcement may arrive later). */
  forget(key: K): void {
    this.entries.delete(key);
  }

  /** Forgets everything: after a change that touches more keys than it names. */
  forgetAll(): void {
    this.entries.clear();
  }

  /**
   * Forgets the key of each change announced on topic (everything, for a change whose key is
   * undefined); until the returned function is called.
   */
  async watch<T>(topic: Topic<T>, keyOf: (payload: T) => K | undefined): Promise<() => void> {
    const stop = await this.pubsub.listen(topic, (payload) => {
      const key = keyOf(payload);
      if (key === undefined) this.entries.clear();
      else this.entries.delete(key);
    });
    this.watching = true;
    return () => {
      this.watching = false;
      this.entries.clear();
      stop();
    };
  }
}
