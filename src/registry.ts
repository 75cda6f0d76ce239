// Every entity and migration, listed once so the data source, the CLI and the build agree. Part of
// the composition root: the one list that names every feature's tables, handed to openDatabase.
import { Chat } from "./messages/chat.entity.js";
import { GroupParticipantRow, GroupRow } from "./groups/group.entity.js";
import { RevokedToken } from "./identity/revoked-token.entity.js";
import { User } from "./identity/user.entity.js";
import { MediaRow } from "./media/media.entity.js";
import { MessageState } from "./messages/message-state.entity.js";
import { MessageRow } from "./messages/message.entity.js";
import { ReceiptRow } from "./messages/receipt.entity.js";
import { Profile } from "./profiles/profile.entity.js";
import { Initial1763856000000 } from "./db/migrations/1763856000000-initial.js";
import { Messages1763942400000 } from "./db/migrations/1763942400000-messages.js";
import { MessageStates1764028800000 } from "./db/migrations/1764028800000-message-states.js";
import { Groups1764115200000 } from "./db/migrations/1764115200000-groups.js";
import { Media1764201600000 } from "./db/migrations/1764201600000-media.js";
import { HotUpdates1764288000000 } from "./db/migrations/1764288000000-hot-updates.js";
import { GroupAnnouncements1764374400000 } from "./db/migrations/1764374400000-group-announcements.js";
import { MediaCreatedIdx1764460800000 } from "./db/migrations/1764460800000-media-created-idx.js";
import { TokenRevocations1764547200000 } from "./db/migrations/1764547200000-token-revocations.js";
import { SyncEvents1764633600000 } from "./db/migrations/1764633600000-sync-events.js";
import { AnnounceState1764720000000 } from "./db/migrations/1764720000000-announce-state.js";

export const entities = [User, RevokedToken, Profile, Chat, MessageRow, ReceiptRow, MessageState, GroupRow, GroupParticipantRow, MediaRow];
export const migrations = [
  Initial1763856000000,
  Messages1763942400000,
  MessageStates1764028800000,
  Groups1764115200000,
  Media1764201600000,
  HotUpdates1764288000000,
  GroupAnnouncements1764374400000,
  MediaCreatedIdx1764460800000,
  TokenRevocations1764547200000,
  SyncEvents1764633600000,
  AnnounceState1764720000000,
];
