// The groups feature's statement whose SQL differs by database, side by side: on PostgreSQL a
// rule check inside a transaction locks the group row; SQLite's writes are serialised anyway
// (its write queue) and it has no row locks. app.ts picks one by Database.dialect.
import type { EntityManager } from "typeorm";
import { GroupRow } from "./group.entity.js";

export interface GroupStore {
  /** The group unless it was deleted; inside a transaction no other write changes it until the transaction ends. */
  liveGroup(em: EntityManager, groupId: string): Promise<GroupRow | null>;
}

export class PostgresGroupStore implements GroupStore {
  /** Inside a transaction the group row is locked (FOR UPDATE) until it ends. */
  liveGroup(em: EntityManager, groupId: string): Promise<GroupRow | null> {
    const query = em.getRepository(GroupRow).createQueryBuilder("g").where("g.id = :groupId AND g.deleted_at IS NULL", { groupId });
    if (em.queryRunner?.isTransactionActive) query.setLock("pessimistic_write");
    return query.getOne();
  }
}

export class SqliteGroupStore implements GroupStore {
  /** No row locks: SQLite's writes take turns (Database.transaction), so the group is settled within one. */
  liveGroup(em: EntityManager, groupId: string): Promise<GroupRow | null> {
    return em.getRepository(GroupRow).createQueryBuilder("g").where("g.id = :groupId AND g.deleted_at IS NULL", { groupId }).getOne();
  }
}
