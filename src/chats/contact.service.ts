// Contacts: the users who share a chat with someone. Profiles list them and send them profile
// changes. (Users sharing a group join this when groups exist.)
import type { Database } from "../db/database.js";
import { Chat } from "./chat.entity.js";

export type ContactOrder = "NAME" | "RECENT";

export class ContactService {
  constructor(private readonly db: Database) {}

  /** The user's contacts, by nickname then username (NAME) or latest conversation first (RECENT). */
  async contactIds(userId: number, order: ContactOrder, limit: number): Promise<number[]> {
    const query = this.db
      .repository(Chat)
      .createQueryBuilder("c")
      .select("c.peer_user_id", "id")
      .where("c.owner_id = :userId AND c.peer_user_id IS NOT NULL AND c.peer_user_id <> :userId", { userId })
      .limit(limit);
    if (order === "RECENT") {
      query.orderBy("c.updated_at", "DESC").addOrderBy("c.peer_user_id", "ASC");
    } else {
      query
        .innerJoin("profiles", "p", "p.user_id = c.peer_user_id")
        .innerJoin("users", "u", "u.id = c.peer_user_id")
        .orderBy("CASE WHEN p.nickname IS NULL THEN 1 ELSE 0 END", "ASC")
        .addOrderBy("LOWER(p.nickname)", "ASC")
        .addOrderBy("u.username", "ASC");
    }
    const rows = await query.getRawMany<{ id: number | string }>();
    return rows.map((r) => Number(r.id));
  }

  /** Everyone who sees the user's profile changes: the users whose chats include them. */
  async watcherIds(userId: number): Promise<number[]> {
    const rows = await this.db
      .repository(Chat)
      .createQueryBuilder("c")
      .select("DISTINCT c.owner_id", "id")
      .where("c.peer_user_id = :userId AND c.owner_id <> :userId", { userId })
      .getRawMany<{ id: number | string }>();
    return rows.map((r) => Number(r.id));
  }
}
