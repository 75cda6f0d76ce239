// Pub/sub: Redis (graphql-redis-subscriptions, with its own publisher and subscriber
// connections) when REDIS_URL is set, else in-process. Redis only wakes subscribers up; it is
// at-most-once, so nothing that must not be lost travels only through it. Each publish is
// reported to an observer (the metrics) by topic kind.
import { PubSub as InProcessPubSub, type PubSubEngine } from "graphql-subscriptions";
import { RedisPubSub } from "graphql-redis-subscriptions";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Topic } from "./topics.js";

export interface PubSub {
  publish<T>(topic: Topic<T>, payload: T): Promise<void>;
  /** Events on one topic, from now on; return() unsubscribes. */
  subscribe<T>(topic: Topic<T>): AsyncIterableIterator<T>;
  /** Calls handler for each event until the returned function is called. */
  listen<T>(topic: Topic<T>, handler: (payload: T) => void): Promise<() => void>;
  /** Rejects when the broker cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 1000;

/** Told of every event published through this process. */
export type PublishObserver = (topic: Topic<unknown>) => void;

class EnginePubSub implements PubSub {
  constructor(
    private readonly engine: PubSubEngine,
    private readonly checkReachable: () => Promise<void>,
    private readonly shutdown: () => Promise<void>,
    private readonly observe: PublishObserver,
  ) {}

  async publish<T>(topic: Topic<T>, payload: T): Promise<void> {
    await this.engine.publish(topic.name, payload);
    this.observe(topic);
  }

  subscribe<T>(topic: Topic<T>): AsyncIterableIterator<T> {
    return this.engine.asyncIterableIterator<T>(topic.name);
  }

  async listen<T>(topic: Topic<T>, handler: (payload: T) => void): Promise<() => void> {
    const id = await this.engine.subscribe(topic.name, handler, {});
    return () => this.engine.unsubscribe(id);
  }

  ping(): Promise<void> {
    return this.checkReachable();
  }

  close(): Promise<void> {
    return this.shutdown();
  }
}

export function redisConnection(url: string, log: Logger, role: string): Redis {
  const redis = new Redis(url, {
    // Reconnect with a capped back-off; commands issued while down fail fast instead of piling up.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    maxRetriesPerRequest: 2,
    connectionName: `parley-${role}`,
  });
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

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Realtime {
  pubsub: PubSub;
  /** The Redis connection for commands (presence), or undefined in embedded mode. */
  redis: Redis | undefined;
}

export function createRealtime(config: Config, log: Logger, observe: PublishObserver = () => undefined): Realtime {
  if (!config.redisUrl) {
    return {
      pubsub: new EnginePubSub(new InProcessPubSub(), async () => undefined, async () => undefined, observe),
      redis: undefined,
    };
  }
  const publisher = redisConnection(config.redisUrl, log, "publisher");
  const subscriber = redisConnection(config.redisUrl, log, "subscriber");
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
  return { pubsub: new EnginePubSub(engine, ping, close, observe), redis: publisher };
}
