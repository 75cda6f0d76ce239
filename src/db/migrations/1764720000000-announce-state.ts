// The durable "announced up to" mark of the message sequencer (sequencer.ts): one row, the
// highest rowId below which every committed message has been announced. A batch moves it only
// after its announcement went out; whoever holds the sequencer next and finds it behind the
// newest committed rowId announces the rows in between first (their writer died, or Redis failed).
import type { MigrationInterface, QueryRunner } from "typeorm";

export class AnnounceState1764720000000 implements MigrationInterface {
  name = "AnnounceState1764720000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE announce_state (id integer PRIMARY KEY, announced_up_to bigint NOT NULL)`);
    // Every message stored before this migration counts as announced: their subscribers are gone.
    await q.query(`INSERT INTO announce_state (id, announced_up_to) SELECT 1, COALESCE(MAX(row_id), 0) FROM messages`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE announce_state`);
  }
}
