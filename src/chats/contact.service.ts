// Contacts: the users who share a one-to-one chat or a group with someone. Profiles list them
// and send them profile changes.
import type { Database } from "../db/database.js";

export type ContactOrder = "NAME" | "RECENT";

/** Each contact of user ? with the time of their latest shared conversation. */
const CONTACTS = `
  SELECT contact_id, MAX(last_at) AS last_at FROM (
    SELECT c.peer_user_id AS contact_id, c.updated_at AS last_at
      FROM chats c WHERE c.owner_id = ? AND c.peer_user_id IS NOT NULL AND c.peer_user_id <> ?
    UNION ALL
    SELECT other.user_id AS contact_id, c.updated_at AS last_at
      FROM group_participants mine
      JOIN group_participants other ON other.group_id = mine.group_id AND other.left_at IS NULL AND other.user_id <> ?
      JOIN chats c ON c.owner_id = ? AND c.chat_key = 'g:' || mine.group_id
      WHERE mine.user_id = ? AND mine.left_at IS NULL
  ) shared GROUP BY contact_id`;

export class ContactService {
  constructor(private readonly db: Database) {}

  /** The user's contacts, by nickname then username (NAME) or latest conversation first (RECENT). */
  async contactIds(userId: number, order: ContactOrder, limit: number): Promise<number[]> {
    const orderBy =
      order === "RECENT"
        ? "k.last_at DESC, k.contact_id ASC"
        : "CASE WHEN p.nickname IS NULL THEN 1 ELSE 0 END, LOWER(p.nickname), u.username";
    const rows = await this.db.rows<{ contact_id: unknown }>(
      undefined,
      `SELECT k.contact_id FROM (${CONTACTS}) k
       JOIN profiles p ON p.user_id = k.contact_id
       JOIN users u ON u.id = k.contact_id
       ORDER BY ${orderBy} LIMIT ?`,
      [userId, userId, userId, userId, userId, limit],
    );
    return rows.map((r) => Number(r.contact_id));
  }

  /** Everyone who sees the user's profile changes: whoever has them as a contact. */
  async watcherIds(userId: number): Promise<number[]> {
    const rows = await this.db.rows<{ id: unknown }>(
      undefined,
      `SELECT owner_id AS id FROM chats WHERE peer_user_id = ? AND owner_id <> ?
       UNION
       SELECT other.user_id AS id FROM group_participants mine
         JOIN group_participants other ON other.group_id = mine.group_id AND other.left_at IS NULL AND other.user_id <> ?
         WHERE mine.user_id = ? AND mine.left_at IS NULL`,
      [userId, userId, userId, userId],
    );
    return rows.map((r) => Number(r.id));
  }
}
