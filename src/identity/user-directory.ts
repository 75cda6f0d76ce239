// Who a username or a user id is. Usernames never change and users are never removed, so what
// was looked up once is kept (bounded) and later lookups cost nothing.
import { In } from "typeorm";
import type { Database } from "../db/database.js";
import { notFound } from "../graphql/errors.js";
import { Jids } from "./jid.js";
import { User } from "./user.entity.js";

export interface UserRef {
  id: number;
  username: string;
  jid: string;
}

const CACHE_LIMIT = 100_000;

export class UserDirectory {
  private readonly byId = new Map<number, UserRef>();
  private readonly byName = new Map<string, UserRef>();

  constructor(
    private readonly db: Database,
    private readonly jids: Jids,
  ) {}

  /** The users of these jids that exist; jids that are not user jids of this server are skipped. */
  async byJids(jids: readonly string[]): Promise<Map<string, UserRef>> {
    const usernames = jids.map((j) => this.jids.parseUser(j)).filter((u): u is string => u !== null);
    const found = await this.byUsernames(usernames);
    const result = new Map<string, UserRef>();
    for (const jid of jids) {
      const username = this.jids.parseUser(jid);
      const user = username ? found.get(username) : undefined;
      if (user) result.set(jid, user);
    }
    return result;
  }

  async byUsernames(usernames: readonly string[]): Promise<Map<string, UserRef>> {
    const wanted = [...new Set(usernames.map(Jids.username))];
    const missing = wanted.filter((u) => !this.byName.has(u));
    if (missing.length > 0) {
      const rows = await this.db.repository(User).find({ select: { id: true, username: true }, where: { username: In(missing) } });
      rows.forEach((r) => this.remember(r.id, r.username));
    }
    return new Map(wanted.flatMap((u) => (this.byName.has(u) ? [[u, this.byName.get(u)!]] : [])));
  }

  async byIds(ids: readonly number[]): Promise<Map<number, UserRef>> {
    const wanted = [...new Set(ids)];
    const missing = wanted.filter((id) => !this.byId.has(id));
    if (missing.length > 0) {
      const rows = await this.db.repository(User).find({ select: { id: true, username: true }, where: { id: In(missing) } });
      rows.forEach((r) => this.remember(r.id, r.username));
    }
    return new Map(wanted.flatMap((id) => (this.byId.has(id) ? [[id, this.byId.get(id)!]] : [])));
  }

  /** The user with this id; one that does not exist is a bug in the caller. */
  async get(id: number): Promise<UserRef> {
    const user = (await this.byIds([id])).get(id);
    if (!user) throw notFound(`user ${id}`);
    return user;
  }

  private remember(id: number, username: string): void {
    if (this.byId.size >= CACHE_LIMIT) {
      this.byId.clear();
      this.byName.clear();
    }
    const ref = { id, username, jid: this.jids.user(username) };
    this.byId.set(id, ref);
    this.byName.set(username, ref);
  }
}
