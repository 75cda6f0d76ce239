// The sync cursor: one opaque string holding two positions, the last message rowId and the last
// sync_events position the client has had. Both streams commit in order under the sequencer
// (Database.sequenced), and each stored entry records the newest rowId committed before it
// (afterRowId), so the two merge into one order: an entry comes before message r exactly when
// its afterRowId < r. Resuming after both positions therefore skips nothing and repeats nothing.
import { badInput } from "../graphql/errors.js";

export interface SyncPosition {
  /** The last message rowId covered. */
  rowId: bigint;
  /** The last sync_events position covered. */
  position: bigint;
}

const FORM = /^(\d{1,19})\.(\d{1,19})$/;

export function encodeCursor(p: SyncPosition): string {
  return Buffer.from(`${p.rowId}.${p.position}`, "utf8").toString("base64url");
}

/** The positions of a cursor; BAD_USER_INPUT naming field when it is no cursor of ours. */
export function decodeCursor(cursor: string, field: string): SyncPosition {
  const match = FORM.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match || cursor.length > 64) throw badInput(field, "is not a sync cursor: pass a cursor this server returned");
  return { rowId: BigInt(match[1]!), position: BigInt(match[2]!) };
}
