// The sync stream's API shapes: an interface with the resume cursor, one type per kind of entry,
// and the query's page. Each entry carries what a client needs to update its state.
import { Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from "type-graphql";
import { listOf } from "../graphql/cost.js";
import { GroupEvent } from "../groups/group.types.js";
import { Message, MessagesDeleted, Receipt, toMessage, toMessagesDeleted, toReceipt } from "../messages/message.types.js";
import { UserProfile } from "../profiles/profile.types.js";
import type { ChatChange } from "../realtime/sync-entry.js";
import type { SyncItem } from "./sync.service.js";

export const SyncChatChangeEnum = {
  SEEN: "SEEN",
  MUTED: "MUTED",
  UNMUTED: "UNMUTED",
  ARCHIVED: "ARCHIVED",
  UNARCHIVED: "UNARCHIVED",
  CLEARED: "CLEARED",
  DELETED: "DELETED",
  MESSAGES_DELETED_FOR_ME: "MESSAGES_DELETED_FOR_ME",
  FAVOURITE_ADDED: "FAVOURITE_ADDED",
  FAVOURITE_REMOVED: "FAVOURITE_REMOVED",
  ALL_FAVOURITES_REMOVED: "ALL_FAVOURITES_REMOVED",
} as const satisfies Record<ChatChange, ChatChange>;

registerEnumType(SyncChatChangeEnum, {
  name: "SyncChatChangeType",
  description: "What the user did to one of their chats, on any of their devices.",
  valuesConfig: {
    SEEN: { description: "sendSeenStatus: messages up to messageIds[0] seen; unreadCount is the chat's new count." },
    MUTED: { description: "The chat was muted." },
    UNMUTED: { description: "The chat was unmuted." },
    ARCHIVED: { description: "The chat was archived." },
    UNARCHIVED: { description: "The chat was taken out of the archive." },
    CLEARED: { description: "The chat's history was cleared (clearChat, clearAllChats)." },
    DELETED: { description: "The chat was deleted from recent chats (deleteChat, deleteAllRecentChats)." },
    MESSAGES_DELETED_FOR_ME: { description: "deleteMessagesForMe: messageIds are gone for this user." },
    FAVOURITE_ADDED: { description: "messageIds[0] became a favourite." },
    FAVOURITE_REMOVED: { description: "messageIds[0] is no favourite any more." },
    ALL_FAVOURITES_REMOVED: { description: "removeAllFavouriteMessages: no message is a favourite any more; chatJid is null." },
  },
});

@InterfaceType({
  description:
    "One entry of the user's sync stream (sync, syncStream): something they must learn of, in the order it happened. Keep the cursor of the last entry handled: sync(after:) or syncStream(after:) with it continues right after this entry, with nothing skipped and nothing repeated.",
  resolveType: (entry: { constructor: { name: string } }) => entry.constructor.name,
})
export abstract class SyncEntry {
  @Field(() => String, { description: "Opaque: where the stream continues after this entry." })
  cursor!: string;
}

@ObjectType({ implements: SyncEntry, description: "A message the user sees: received, or sent by them (also from another of their devices)." })
export class SyncMessage extends SyncEntry {
  @Field(() => Message, { description: "The message as the user sees it; a replayed one with its status as it is now." })
  message!: Message;
}

@ObjectType({ implements: SyncEntry, description: "A message the user sent got DELIVERED or SEEN: as messageStatusUpdated tells it (a group message once every recipient reached the status)." })
export class SyncReceipt extends SyncEntry {
  @Field(() => Receipt, { description: "The receipt; receipt.message { id status } is the message's new status." })
  receipt!: Receipt;
}

@ObjectType({ implements: SyncEntry, description: "Messages of one of the user's chats were deleted for everyone." })
export class SyncMessagesDeleted extends SyncEntry {
  @Field(() => MessagesDeleted, { description: "Which messages, in which chat." })
  deleted!: MessagesDeleted;
}

@ObjectType({ implements: SyncEntry, description: "The user changed one of their chats (seen, mute, archive, clear, delete, deleted for me, favourites), on this or another device: the chat's state right after." })
export class SyncChatChange extends SyncEntry {
  @Field(() => SyncChatChangeEnum, { description: "What was done." })
  change!: ChatChange;

  @Field(() => ID, { nullable: true, description: "The chat as the user sees it; null for ALL_FAVOURITES_REMOVED." })
  chatJid!: string | null;

  @Field(() => [ID], { description: "The messages the change is about (SEEN: the newest seen; deleted for me; favourites); else empty.", complexity: listOf(() => 100) })
  messageIds!: string[];

  @Field(() => Int, { description: "The chat's unread count after the change." })
  unreadCount!: number;

  @Field(() => Boolean, { description: "Whether the chat is muted after the change." })
  isMuted!: boolean;

  @Field(() => Boolean, { description: "Whether the chat is archived after the change." })
  isArchived!: boolean;

  @Field(() => Date, { description: "When it was done." })
  at!: Date;
}

@ObjectType({ implements: SyncEntry, description: "Something happened to a group the user is (or was just) a participant of: created, profile changed, participant added, removed or left, admin made, deleted." })
export class SyncGroupEvent extends SyncEntry {
  @Field(() => GroupEvent, { description: "The event; event.group is the group as it is now (null once deleted or when the user is no participant)." })
  event!: GroupEvent;
}

@ObjectType({ implements: SyncEntry, description: "A contact of the user changed their profile." })
export class SyncProfileChange extends SyncEntry {
  @Field(() => UserProfile, { nullable: true, description: "The profile as it is now (the latest, not each step)." })
  profile!: UserProfile | null;
}

@ObjectType({ description: "A page of the user's sync stream." })
export class SyncPage {
  // Counted on the sync query, whose limit argument bounds it.
  @Field(() => [SyncEntry], { description: "The entries after the cursor asked for, in order." })
  entries!: SyncEntry[];

  @Field(() => String, { description: "Where to continue: after the last entry of the page (or later, past what the user need not see)." })
  cursor!: string;

  @Field(() => Boolean, { description: "More entries follow: ask again with cursor." })
  hasMore!: boolean;
}

/** The API shape of one entry. */
export function toSyncEntry(item: SyncItem): SyncEntry {
  const { cursor } = item;
  switch (item.kind) {
    case "MESSAGE":
      return Object.assign(new SyncMessage(), { cursor, message: toMessage(item.message) });
    case "RECEIPT":
      return Object.assign(new SyncReceipt(), { cursor, receipt: toReceipt(item.receipt) });
    case "MESSAGES_DELETED":
      return Object.assign(new SyncMessagesDeleted(), { cursor, deleted: toMessagesDeleted(item.deleted) });
    case "CHAT":
      return Object.assign(new SyncChatChange(), { cursor, ...item.chat, at: new Date(item.chat.at) });
    case "GROUP":
      return Object.assign(new SyncGroupEvent(), {
        cursor,
        event: Object.assign(new GroupEvent(), { ...item.group, at: new Date(item.group.at), source: item.group, group: item.view }),
      });
    case "PROFILE":
      return Object.assign(new SyncProfileChange(), { cursor, profile: item.profile });
  }
}
