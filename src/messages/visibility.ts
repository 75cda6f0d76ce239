// What a viewer may see of messages, defined once as an SQL condition on messages AS m: history,
// replay, media pages, downloads, replies, favourites and recent chats' last message all use it.

/** Adds a value to the statement's parameters and returns its placeholder ("?" or ":name"). */
export type Param = (value: unknown) => string;

export interface VisibilityScope {
  viewerId: number;
  /**
   * Without groupChat in the plan, group messages are not the viewer's to see in lists; an
   * operation naming one by id asks with true, then refuses it as a group operation.
   */
  groupChat: boolean;
  /** Where the viewer cleared the chat, when the condition is for one chat whose state was read; else read per row. */
  clearedUpTo?: string;
}

/**
 * True for the messages m the viewer sees: messages of their chats — sent by them, addressed to
 * them, or received in a group while they took part (a receipt: who left or joined later has
 * none) — that they did not delete for themself, newer than where they cleared the chat, or
 * older ones they kept as favourites.
 */
export function visibleTo(scope: VisibilityScope, param: Param): string {
  // A placeholder per use, made in the order they appear: positional parameters are neither
  // named nor reusable.
  const viewer = () => param(scope.viewerId);
  const yes = () => param(true);
  const cleared = () =>
    scope.clearedUpTo !== undefined
      ? param(scope.clearedUpTo)
      : `COALESCE((SELECT MAX(c.cleared_up_to_row_id) FROM chats c WHERE c.owner_id = ${viewer()} AND c.chat_key = m.chat_key), 0)`;
  const participant = `(m.sender_id = ${viewer()} OR m.recipient_id = ${viewer()}
      OR EXISTS (SELECT 1 FROM receipts r WHERE r.user_id = ${viewer()} AND r.message_row_id = m.row_id))`;
  const notDeleted = `NOT EXISTS (SELECT 1 FROM message_states d WHERE d.user_id = ${viewer()} AND d.message_row_id = m.row_id AND d.is_deleted = ${yes()})`;
  const notCleared = `(m.row_id > ${cleared()} OR EXISTS (
      SELECT 1 FROM message_states f WHERE f.user_id = ${viewer()} AND f.message_row_id = m.row_id AND f.is_favourite = ${yes()}))`;
  const plan = scope.groupChat ? "" : ` AND m.chat_type <> ${param("GROUPCHAT")}`;
  return `${participant} AND ${notDeleted} AND ${notCleared}${plan}`;
}

/** Parameters as "?" placeholders, in order (Database.rows). */
export function positional(): { param: Param; params: unknown[] } {
  const params: unknown[] = [];
  return { params, param: (value) => (params.push(value), "?") };
}

/** Parameters as named placeholders for a TypeORM query builder; prefix keeps them apart from the query's own. */
export function named(prefix = "visible"): { param: Param; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  let n = 0;
  return {
    params,
    param: (value) => {
      const name = `${prefix}${n++}`;
      params[name] = value;
      return `:${name}`;
    },
  };
}
