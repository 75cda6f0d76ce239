// Favourites: per user, per message; listed newest first.
import type { Database } from "../db/database.js";
import { asId } from "../db/values.js";
import { badInput } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Addressing } from "./addressing.js";
import { MessageState } from "./message-state.entity.js";
import { MessageRow } from "./message.entity.js";
import type { MessagePayload } from "./message-view.js";
import type { MessageService } from "./message.service.js";
import type { MessageStore } from "./store/message-store.js";
import { chatChangeEntry } from "./chat.service.js";
import type { SyncLog } from "../realtime/sync-log.js";

/** favouriteMessages returns at most this many, newest first. */
export const MAX_FAVOURITES = 1000;

export class FavouriteService {
  constructor(
    private readonly db: Database,
    private readonly store: MessageStore,
    private readonly addressing: Addressing,
    private readonly messages: MessageService,
    private readonly sync: SyncLog,
  ) {}

  async set(viewer: Viewer, toJid: string, messageId: string, isFavourite: boolean): Promise<boolean> {
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    const [message] = await this.messages.visibleByIds(viewer, [messageId], "messageId", chat);
    if (isFavourite && message!.deletedForEveryoneAt !== null) throw badInput("messageId", "the message was deleted for everyone");
    await this.sync.transaction(async (em, record) => {
      await this.store.setMessageStates(em, viewer.userId, [message!], { isFavourite, favouritedAt: isFavourite ? new Date() : null });
      record([await chatChangeEntry(em, viewer.userId, chat.jid, isFavourite ? "FAVOURITE_ADDED" : "FAVOURITE_REMOVED", [message!.id])]);
    });
    return true;
  }

  async list(viewer: Viewer): Promise<MessagePayload[]> {
    const favourites = await this.db.repository(MessageState).find({
      where: { userId: viewer.userId, isFavourite: true },
      order: { favouritedAt: "DESC" },
      take: MAX_FAVOURITES,
    });
    if (favourites.length === 0) return [];
    const rows = await this.db.repository(MessageRow).findBy(favourites.map((f) => ({ rowId: asId(f.messageRowId) })));
    const visible = new Map((await this.messages.filterVisible(viewer.userId, rows)).map((r) => [asId(r.rowId), r]));
    const ordered = favourites.map((f) => visible.get(asId(f.messageRowId))).filter((r): r is MessageRow => r !== undefined);
    return this.messages.render(ordered, viewer.userId);
  }

  async removeAll(viewer: Viewer): Promise<boolean> {
    await this.sync.transaction(async (em, record) => {
      await this.store.unfavouriteAll(em, viewer.userId);
      record([await chatChangeEntry(em, viewer.userId, null, "ALL_FAVOURITES_REMOVED")]);
    });
    return true;
  }
}
