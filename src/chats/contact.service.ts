// Contacts: the users who share a one-to-one chat or a group with someone. Profiles list them
// and send them profile changes.
import type { Database } from "../db/database.js";

export type ContactOrder = "NAME" | "RECENT";

/** Each user who shares a one-to-one chat with user ?, with the time of its latest message. */
const DIRECT = `
    SELECT c.peer_user_id AS contact_id, c.updated_at AS last_at
      FROM chats c WHERE c.owner_id = ? AND c.peer_user_id IS NOT NULL AND c.peer_user_id <> ?`;

/** Each user who shares a group with user ?, with the time of the group chat's latest message. */
const VIA_GROUPS = `
    SELECT other.user_id AS contact_id, c.updated_at AS last_at
      FROM group_participants mine
      JOIN group_participants other ON other.group_id = mine.group_id AND other.left_at IS NULL AND other.user_id <> ?
      JOIN chats c ON c.owner_id = ? AND c.chat_key = 'g:' || mine.group_id
      WHERE mine.user_id = ? AND mine.left_at IS NULL`;

export class ContactService {
  constructor(
    private readonly db: Database,
    /** With groupChat off in the plan, sharing a group makes nobody a contact. */
    private readonly groupChat: boolean,
  ) {}

  /** The user's contacts, by nickname then username (NAME) or latest conversation first (RECENT). */
  async contactIds(userId: number, order: ContactOrder, limit: number): Promise<number[]> {
    const orderBy =
      order === "RECENT"
        ? "k.last_at DESC, k.contact_id ASC"
        : "CASE WHEN p.nickname IS NULL THEN 1 ELSE 0 END, LOWER(p.nickname), u.username";
    const rows = await this.db.rows<{ contact_id: unknown }>(
      undefined,
      `SELECT k.contact_id FROM (
         SELECT contact_id, MAX(last_at) AS last_at FROM (${this.groupChat ? `${DIRECT} UNION ALL ${VIA_GROUPS}` : DIRECT}) shared GROUP BY contact_id
       ) k
       JOIN profiles p ON p.user_id = k.contact_id
       JOIN users u ON u.id = k.contact_id
       ORDER BY ${orderBy} LIMIT ?`,
      [...(this.groupChat ? [userId, userId, userId, userId, userId] : [userId, userId]), limit],
    );
    return rows.map((r) => Number(r.contact_id));
  }

  /** Everyone who sees the user's profile changes: whoever has them as a contact. */
  async watcherIds(userId: number): Promise<number[]> {
    const rows = await this.db.rows<{ id: unknown }>(
      undefined,
      `SELECT owner_id AS id FROM chats WHERE peer_user_id = ? AND owner_id <> ?${
        this.groupChat
          ? ` UNION
       SELECT other.user_id AS id FROM group_participants mine
         JOIN group_participants other ON other.group_id = mine.group_id AND other.left_at IS NULL AND other.user_id <> ?
         WHERE mine.user_id = ? AND mine.left_at IS NULL`
          : ""
      }`,
      this.groupChat ? [userId, userId, userId, userId] : [userId, userId],
    );
    return rows.map((r) => Number(r.id));
  }
}
