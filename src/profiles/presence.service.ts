// Presence of users: online while a socket of theirs is open on any process; lastSeenAt is
// written when their last socket closes.
import type { Database } from "../db/database.js";
import type { PresenceStore } from "../realtime/presence.js";
import { Profile } from "./profile.entity.js";

export class PresenceService {
  constructor(
    private readonly store: PresenceStore,
    private readonly db: Database,
  ) {}

  socketOpened(userId: number, socketId: string): Promise<void> {
    return this.store.socketOpened(userId, socketId);
  }

  /** Sockets the user holds open now, on every process. */
  socketCount(userId: number): Promise<number> {
    return this.store.socketCount(userId);
  }

  async socketClosed(userId: number, socketId: string): Promise<void> {
    await this.store.socketClosed(userId, socketId);
    const stillOnline = await this.store.online([userId]);
    if (!stillOnline.has(userId)) {
      await this.db.transaction((em) => em.update(Profile, { userId }, { lastSeenAt: new Date() }));
    }
  }

  online(userIds: readonly number[]): Promise<Set<number>> {
    return this.store.online(userIds);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
