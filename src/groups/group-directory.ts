// Reading groups and who is in them, for every feature that needs to know (the message core
// through its GroupMembership, handed in by app.ts).
// The rules about changing them live in group.service.ts.
import { type EntityManager, In, IsNull } from "typeorm";
import { type Database, PreparedSql } from "../db/database.js";
import type { GroupMembership } from "../messages/addressing.js";
import { GroupParticipantRow, GroupRow } from "./group.entity.js";

/**
 * The ids of a group's current participants, in the primary key's order (no sort): what the
 * message writer reads under the sequencer for each group message, and the group's changes for
 * whom to tell, so a thousand members are a thousand integers, not a thousand entities with their
 * dates parsed.
 */
const MEMBER_IDS = new PreparedSql(`SELECT user_id FROM group_participants WHERE group_id = ? AND left_at IS NULL ORDER BY user_id`);

export class GroupDirectory implements GroupMembership {
  constructor(private readonly db: Database) {}

  /** The group, unless it does not exist or was deleted. */
  find(groupId: string, em: EntityManager = this.db.manager): Promise<GroupRow | null> {
    return em.findOneBy(GroupRow, { id: groupId, deletedAt: IsNull() });
  }

  /** The group even when deleted: deletion ends everyone's participation, and like any former participant they keep their history. */
  findWithDeleted(groupId: string, em: EntityManager = this.db.manager): Promise<GroupRow | null> {
    return em.findOneBy(GroupRow, { id: groupId });
  }

  /** The user's participation, current or past. */
  participation(groupId: string, userId: number, em: EntityManager = this.db.manager): Promise<GroupParticipantRow | null> {
    return em.findOneBy(GroupParticipantRow, { groupId, userId });
  }

  /** The groups of these ids that exist and were not deleted. */
  async findMany(groupIds: readonly string[]): Promise<GroupRow[]> {
    return groupIds.length === 0 ? [] : this.db.repository(GroupRow).findBy({ id: In([...new Set(groupIds)]), deletedAt: IsNull() });
  }

  /** Current participants, longest-standing first, with their roles (memberIds when the ids will do). */
  members(groupId: string, em: EntityManager = this.db.manager): Promise<GroupParticipantRow[]> {
    return em.find(GroupParticipantRow, { where: { groupId, leftAt: IsNull() }, order: { joinedAt: "ASC", userId: "ASC" } });
  }

  /** The user ids of the current participants, in id order. */
  async memberIds(groupId: string, em?: EntityManager): Promise<number[]> {
    return (await this.db.rows<{ user_id: unknown }>(em, MEMBER_IDS, [groupId])).map((r) => Number(r.user_id));
  }

  /** Current participants of each of these groups, longest-standing first, in one query. */
  async membersOf(groupIds: readonly string[]): Promise<Map<string, GroupParticipantRow[]>> {
    const byGroup = new Map(groupIds.map((id): [string, GroupParticipantRow[]] => [id, []]));
    if (groupIds.length === 0) return byGroup;
    const rows = await this.db.repository(GroupParticipantRow).find({
      where: { groupId: In([...byGroup.keys()]), leftAt: IsNull() },
      order: { joinedAt: "ASC", userId: "ASC" },
    });
    for (const row of rows) byGroup.get(row.groupId)!.push(row);
    return byGroup;
  }
}
