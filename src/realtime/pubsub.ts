// Pub/sub: Redis (graphql-redis-subscriptions, with its own publisher and subscriber
// connections) when REDIS_URL is set, else in-process. Redis only wakes subscribers up; it is
// at-most-once, so nothing that must not be lost travels only through it. Each publish is
// reported to an observer (the metrics) by topic kind.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { PubSub as InProcessPubSub, type PubSubEngine } from "graphql-subscriptions";
import { RedisPubSub } from "graphql-redis-subscriptions";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { AsyncQueue, DONE } from "./async-queue.js";
import { type OneOrMore, withAdded, withRemoved } from "./one-or-more.js";
import type { Topic } from "./topics.js";

export interface PubSub {
  publish<T>(topic: Topic<T>, payload: T): Promise<void>;
  /**
   * One event to many topics, each target's payload being base with its patch applied: one
   * broker message, which every process fans out to its own listeners and subscriptions. A
   * group message costs one publish, not one per member (a single target is published to its
   * topic directly). Events published through one PubSub reach a listener in publish order,
   * whichever method sent them. Targets without a patch share one frozen event object.
   */
  publishToMany<T>(base: T, targets: readonly { topic: Topic<T>; patch?: Partial<T> }[]): Promise<void>;
  /** Events on one topic, from now on (a `listen` as an iterator); return() unsubscribes. */
  subscribe<T>(topic: Topic<T>): AsyncIterableIterator<T>;
  /**
   * Calls handler for each event until the returned function is called. broker.lost is called
   * the moment this process's connection to the broker drops (before any event of the next
   * connection), broker.resumed once it is back and its subscriptions stand again: what was
   * published in between is gone, and the listener must catch up from the database. A watcher
   * passed to several listens is told once.
   */
  listen<T>(topic: Topic<T>, handler: (payload: T) => void, broker?: BrokerWatcher): Promise<() => void>;
  /**
   * Resolves once every event this process has published so far has come back through the
   * broker to this process's listeners (or after a second, should the broker not answer): what a
   * shutdown waits for before it closes the sockets those events are for.
   */
  settle(): Promise<void>;
  /** Rejects when the broker cannot be reached. */
  ping(): Promise<void>;
  /** Resolves the first time the broker cannot be reached; never in process. */
  unreachable(): Promise<void>;
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 1000;

/** Told of every event published through this process. */
export type PublishObserver = (topic: Topic<unknown>) => void;

/** A listener's part in the broker connection's drops (see PubSub.listen). */
export interface BrokerWatcher {
  lost(): void;
  resumed(): void;
}

/** Told when the broker connection came back, with how many listeners were asked to catch up. */
export type ResumeObserver = (listeners: number) => void;

/** The message of a publish refused because the broker cannot be reached (graphql/unreachable.ts knows it). */
export const BROKER_UNREACHABLE = "Broker unreachable: not published";

/** What the engine's connections tell beyond the engine: whether a publish can go out now, and when the subscriber's connection comes back. */
interface BrokerLink {
  /** False while the publisher's connection is down: a publish fails at once instead of waiting in ioredis' offline queue. */
  canPublish(): boolean;
  /** Calls back each time the subscriber's connection drops, and each time it is ready again after a drop. */
  onSubscriberChange(dropped: () => void, ready: () => void): void;
  /** How long a publish may take before it counts as failed. */
  publishTimeoutMs: number;
}

const IN_PROCESS: BrokerLink = { canPublish: () => true, onSubscriberChange: () => undefined, publishTimeoutMs: 0 };

type Handler = (payload: any) => void;

/** The broker channel of publishToMany, which every process listens on. */
const FAN_OUT = "parley.fan-out";

interface FanOut {
  base: unknown;
  targets: { topic: string; patch?: object }[];
}

class EnginePubSub implements PubSub {
  /** listen handlers by topic name, for fanning out publishToMany locally: one, or a set (a topic mostly has one). */
  private readonly local = new Map<string, OneOrMore<Handler>>();
  private fanOut: Promise<unknown> | undefined;
  private closed = false;
  /** The listeners told of the broker connection's drops and returns, each with how many of its listens stand. */
  private readonly watchers = new Map<BrokerWatcher, number>();

  constructor(
    private readonly engine: PubSubEngine,
    private readonly checkReachable: () => Promise<void>,
    private readonly shutdown: () => Promise<void>,
    private readonly observe: PublishObserver,
    private readonly firstFailure: Promise<void> = new Promise<void>(() => undefined),
    /** Prefix of every channel name (REDIS_NAMESPACE). */
    private readonly prefix = "",
    private readonly link: BrokerLink = IN_PROCESS,
    private readonly observeResume: ResumeObserver = () => undefined,
  ) {
    link.onSubscriberChange(
      () => {
        for (const watcher of this.watchers.keys()) watcher.lost();
      },
      () => void this.resumed(),
    );
  }

  /**
   * Sends are answered after their commit and never wait on the broker: while it is down a
   * publish fails at once (the announcement is made later, see message-writer.ts), and one that
   * gets no answer in time fails too (a late delivery of it is a duplicate, which streams drop).
   */
  private send(channel: string, payload: unknown): Promise<void> {
    if (!this.link.canPublish()) return Promise.reject(new Error(BROKER_UNREACHABLE));
    const publishing = this.engine.publish(channel, payload);
    return this.link.publishTimeoutMs > 0 ? withTimeout(publishing, this.link.publishTimeoutMs, "redis PUBLISH") : publishing;
  }

  /**
   * The subscriber's connection is back. ioredis re-sends the SUBSCRIBEs right after its ready
   * event; a SUBSCRIBE of ours sent after them is answered after them, so once it is, every
   * listener hears again and may catch up without a gap.
   */
  private async resumed(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const id = await this.engine.subscribe(`${this.prefix}parley.resumed.${randomUUID()}`, () => undefined, {});
      if (!this.closed) this.engine.unsubscribe(id);
    } catch {
      return; // Down again: the next ready calls this again.
    }
    this.observeResume(this.watchers.size);
    for (const watcher of this.watchers.keys()) watcher.resumed();
  }

  async publish<T>(topic: Topic<T>, payload: T): Promise<void> {
    await this.send(this.prefix + topic.name, payload);
    this.observe(topic);
  }

  async publishToMany<T>(base: T, targets: readonly { topic: Topic<T>; patch?: Partial<T> }[]): Promise<void> {
    if (targets.length === 0) return;
    // One target: its own topic reaches only the processes that listen to it.
    if (targets.length === 1) return this.publish(targets[0]!.topic, { ...base, ...targets[0]!.patch });
    // An empty patch is no patch: that target shares the event object like the rest.
    const patched = (t: { patch?: Partial<T> }) => t.patch !== undefined && Object.keys(t.patch).length > 0;
    const message: FanOut = { base, targets: targets.map((t) => (patched(t) ? { topic: t.topic.name, patch: t.patch! } : { topic: t.topic.name })) };
    await this.send(this.prefix + FAN_OUT, message);
    // One broker message for all the targets: counted once, under their topics' kind.
    if (targets[0]) this.observe(targets[0].topic as Topic<unknown>);
  }

  private deliverLocally({ base, targets }: FanOut): void {
    // Targets without a patch share one event object (frozen: no handler may change what the
    // others see), so that what is made of it can be made once (graphql/shared-results.ts).
    const shared = Object.freeze(base as object);
    for (const { topic, patch } of targets) {
      const handlers = this.local.get(topic);
      if (typeof handlers === "function") handlers(patch ? { ...shared, ...patch } : shared);
      else for (const handler of handlers ?? []) handler(patch ? { ...shared, ...patch } : shared);
    }
  }

  subscribe<T>(topic: Topic<T>): AsyncIterableIterator<T> {
    const queue = new AsyncQueue<T>();
    return new TopicEvents(
      queue,
      this.listen(topic, (event) => queue.push(event)),
    );
  }

  async listen<T>(topic: Topic<T>, handler: (payload: T) => void, broker?: BrokerWatcher): Promise<() => void> {
    // The fan-out channel and the topic share one broker connection, so their events keep their order.
    this.fanOut ??= this.engine.subscribe(this.prefix + FAN_OUT, (m: FanOut) => this.deliverLocally(m), {}).catch((error: unknown) => {
      this.fanOut = undefined;
      throw error;
    });
    await this.fanOut;
    // The topic's name, not the topic: a listener kept for a socket's life need not keep its topic object.
    const { name } = topic;
    const id = await this.engine.subscribe(this.prefix + name, handler, {});
    this.addLocal(name, handler);
    // A watcher passed to several listens is told once, and forgotten with the last of them.
    if (broker) this.watchers.set(broker, (this.watchers.get(broker) ?? 0) + 1);
    return () => {
      const listens = broker && this.watchers.get(broker);
      if (listens !== undefined) {
        if (listens > 1) this.watchers.set(broker!, listens - 1);
        else this.watchers.delete(broker!);
      }
      this.removeLocal(name, handler);
      // Once closed there is nothing to unsubscribe from: graphql-redis-subscriptions would send
      // UNSUBSCRIBE on the closed connection and leave its rejection unhandled.
      if (!this.closed) this.engine.unsubscribe(id);
    };
  }

  private addLocal(name: string, handler: Handler): void {
    this.local.set(name, withAdded(this.local.get(name), handler));
  }

  private removeLocal(name: string, handler: Handler): void {
    const left = withRemoved(this.local.get(name), handler);
    if (left === undefined) this.local.delete(name);
    else this.local.set(name, left);
  }

  async settle(): Promise<void> {
    // The broker hands one connection's messages on in the order they were published: once a
    // marker published now is back, everything published before it is too.
    const channel = `${this.prefix}parley.settle.${randomUUID()}`;
    let arrived!: () => void;
    const back = new Promise<void>((resolve) => (arrived = resolve));
    const subscribing = this.engine.subscribe(channel, () => arrived(), {});
    // A broker that is down answers neither the SUBSCRIBE nor the PUBLISH: give up after the timeout.
    await withTimeout(
      subscribing.then(() => this.engine.publish(channel, {})).then(() => back),
      PING_TIMEOUT_MS,
      "pub/sub settle",
    ).catch(() => undefined);
    void subscribing.then((id) => this.closed || this.engine.unsubscribe(id), () => undefined);
    // Listeners push into queues; the subscriptions reading them send on the next turns.
    await new Promise((resolve) => setImmediate(resolve));
  }

  ping(): Promise<void> {
    return this.checkReachable();
  }

  unreachable(): Promise<void> {
    return this.firstFailure;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.shutdown();
  }
}

/**
 * The events of one topic as an iterator (PubSub.subscribe), from the moment it was made. A class,
 * so that an idle subscription holds this object, its queue and its listener, no closure per method.
 */
class TopicEvents<T> implements AsyncIterableIterator<T> {
  constructor(
    private readonly queue: AsyncQueue<T>,
    private readonly listening: Promise<() => void>,
  ) {}

  async next(): Promise<IteratorResult<T>> {
    await this.listening;
    return this.queue.take();
  }

  async return(): Promise<IteratorResult<T>> {
    this.queue.end();
    await this.listening.then((unlisten) => unlisten(), () => undefined);
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A Redis connection that reconnects for ever with a capped back-off, so that a process started
 * while Redis is down (or that loses it) carries on and reports it through /readyz. Commands
 * issued while down fail after a few retries, except with waitWhileDown, where they wait for
 * the connection (the subscriber's SUBSCRIBEs, which must not be lost).
 */
export function redisConnection(
  url: string,
  log: Logger,
  role: string,
  options: { waitWhileDown?: boolean; keyPrefix?: string; autoPipeline?: boolean; readPerTurn?: boolean } = {},
): Redis {
  const redis = new Redis(url, {
    // ioredis prefixes keys, in Lua scripts' KEYS too, but never pub/sub channels.
    keyPrefix: options.keyPrefix ?? "",
    retryStrategy: (times) => Math.min(times * 200, 2000),
    maxRetriesPerRequest: options.waitWhileDown ? null : 2,
    connectionName: `parley-${role}`,
    // The ready check's INFO can reach Redis after a queued SUBSCRIBE (ioredis 5, redis/ioredis#2037):
    // Redis refuses it, the connection is dropped and the first subscriptions are lost. A
    // connection that only subscribes has nothing to wait for.
    enableReadyCheck: !options.waitWhileDown,
    // Commands issued in one tick go out in one write: a batch of new messages publishes to every
    // recipient's topic at once, one round trip rather than one per topic. Order is kept.
    enableAutoPipelining: options.autoPipeline ?? false,
  });
  // What a subscriber reads sets off work for every listener of every message in it (a group
  // message: a write to each member's socket). Read as it comes, a burst kept the process on
  // this one connection for seconds (libuv reads a socket up to 32 times in a row), and the
  // database's answers, and the sends that would follow, waited behind it. So the subscriber
  // reads what has come, then pauses until the event loop has been round once.
  if (options.readPerTurn) redis.on("connect", () => redis.stream.on("data", pauseForTurn));
  let reported = false;
  redis.on("error", (err) => {
    if (!reported) log.warn({ err, role }, "redis connection error");
    reported = true;
  });
  redis.on("ready", () => {
    if (reported) log.info({ role }, "redis connection ready");
    reported = false;
  });
  return redis;
}

function pauseForTurn(this: Readable): void {
  this.pause();
  setImmediate(resumeReading, this);
}

function resumeReading(stream: Readable): void {
  if (!stream.destroyed) stream.resume();
}

/** A timer this much late says the process, not the broker, was slow. */
const LATE_MS = 20;

/**
 * Rejects when promise has not settled within ms of the broker's time. A process too busy to read
 * the answer is not a silent broker: under load, timers fire late, and before the poll phase that
 * would read an answer already received. So a timer that fired late is given its lateness again
 * (up to five times ms in all), and the verdict waits for the poll phase (setImmediate runs after
 * it). Without this, an overloaded process took answered publishes for lost ones, and the
 * catch-ups that follow a lost announcement added to its load.
 */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let verdict: NodeJS.Immediate | undefined;
  const give = performance.now() + 5 * ms;
  const timeout = new Promise<never>((_, reject) => {
    const arm = (wait: number) => {
      const due = performance.now() + wait;
      timer = setTimeout(() => {
        const now = performance.now();
        const late = now - due;
        if (late > LATE_MS && now < give) return arm(Math.min(late, give - now));
        verdict = setImmediate(() => reject(new Error(`${what}: no answer within ${ms} ms`)));
      }, wait);
    };
    arm(ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    clearImmediate(verdict);
  });
}

export interface Realtime {
  pubsub: PubSub;
  /** The Redis connection for commands (presence), or undefined in embedded mode. */
  redis: Redis | undefined;
}

export function createRealtime(config: Config, log: Logger, observe: PublishObserver = () => undefined, observeResume: ResumeObserver = () => undefined): Realtime {
  if (!config.redisUrl) {
    return {
      pubsub: new EnginePubSub(new InProcessPubSub(), async () => undefined, async () => undefined, observe),
      redis: undefined,
    };
  }
  // The publisher also runs the commands (presence, rate limit): its keys carry the prefix.
  const publisher = redisConnection(config.redisUrl, log, "publisher", { keyPrefix: config.redisPrefix, autoPipeline: true });
  const subscriber = redisConnection(config.redisUrl, log, "subscriber", { waitWhileDown: true, readPerTurn: true });
  const engine = new RedisPubSub({ publisher, subscriber });
  const ping = async () => {
    for (const [name, conn] of [["publisher", publisher], ["subscriber", subscriber]] as const) {
      if (conn.status !== "ready") throw new Error(`redis ${name} connection is ${conn.status}`);
    }
    await withTimeout(publisher.ping(), PING_TIMEOUT_MS, "redis PING");
  };
  const close = async () => {
    // QUIT waits for a reachable server; a broken connection is simply dropped.
    await withTimeout(engine.close(), PING_TIMEOUT_MS, "redis QUIT").catch(() => undefined);
    publisher.disconnect();
    subscriber.disconnect();
  };
  const unreachable = new Promise<void>((resolve) => {
    publisher.once("error", () => resolve());
    subscriber.once("error", () => resolve());
  });
  const link: BrokerLink = {
    canPublish: () => publisher.status === "ready",
    onSubscriberChange: (dropped, ready) => {
      // ioredis emits close for the dropped connection before anything of the next one.
      let readies = 0;
      subscriber.on("close", () => {
        if (readies > 0) dropped();
      });
      subscriber.on("ready", () => {
        readies += 1;
        if (readies > 1) ready();
      });
    },
    publishTimeoutMs: PING_TIMEOUT_MS,
  };
  return { pubsub: new EnginePubSub(engine, ping, close, observe, unreachable, config.redisPrefix, link, observeResume), redis: publisher };
}
