// Who is online: a user is online while any process holds one of their sockets. With Redis each
// socket is a member of the user's sorted set, scored by when it expires; every process renews
// its own sockets, so a crashed process's sockets lapse after PRESENCE_TTL_SECONDS.
import type { Redis } from "ioredis";

export interface PresenceStore {
  socketOpened(userId: number, socketId: string): Promise<void>;
  socketClosed(userId: number, socketId: string): Promise<void>;
  /** Those of userIds with at least one live socket. */
  online(userIds: readonly number[]): Promise<Set<number>>;
  close(): Promise<void>;
}

export class InProcessPresence implements PresenceStore {
  private readonly sockets = new Map<number, Set<string>>();

  async socketOpened(userId: number, socketId: string): Promise<void> {
    const set = this.sockets.get(userId) ?? new Set();
    set.add(socketId);
    this.sockets.set(userId, set);
  }

  async socketClosed(userId: number, socketId: string): Promise<void> {
    const set = this.sockets.get(userId);
    set?.delete(socketId);
    if (set?.size === 0) this.sockets.delete(userId);
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    return new Set(userIds.filter((id) => this.sockets.has(id)));
  }

  async close(): Promise<void> {
    this.sockets.clear();
  }
}

const key = (userId: number) => `parley:presence:${userId}`;

export class RedisPresence implements PresenceStore {
  private readonly local = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {
    this.timer = setInterval(() => void this.renew(), (ttlSeconds * 1000) / 3);
    this.timer.unref();
  }

  async socketOpened(userId: number, socketId: string): Promise<void> {
    this.local.set(socketId, userId);
    await this.redis
      .multi()
      .zadd(key(userId), Date.now() + this.ttlSeconds * 1000, socketId)
      .expire(key(userId), this.ttlSeconds * 2)
      .exec();
  }

  async socketClosed(userId: number, socketId: string): Promise<void> {
    this.local.delete(socketId);
    await this.redis.zrem(key(userId), socketId);
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.zcount(key(id), now, "+inf");
    const results = (await pipeline.exec()) ?? [];
    return new Set(userIds.filter((_, i) => Number(results[i]?.[1] ?? 0) > 0));
  }

  private async renew(): Promise<void> {
    if (this.local.size === 0) return;
    const expiresAt = Date.now() + this.ttlSeconds * 1000;
    const pipeline = this.redis.pipeline();
    for (const [socketId, userId] of this.local) {
      pipeline.zadd(key(userId), expiresAt, socketId).expire(key(userId), this.ttlSeconds * 2);
      pipeline.zremrangebyscore(key(userId), "-inf", Date.now());
    }
    await pipeline.exec().catch(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const pipeline = this.redis.pipeline();
    for (const [socketId, userId] of this.local) pipeline.zrem(key(userId), socketId);
    this.local.clear();
    await pipeline.exec().catch(() => undefined);
  }
}
