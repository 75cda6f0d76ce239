// Every service resolvers may call, made once per server in app.ts. Part of the composition
// root: the one list that names every feature's services. The doors see it as DoorServices
// (graphql/context.ts); each resolver names the services it calls in its own Context<…>.
import type { ChatService } from "./messages/chat.service.js";
import type { ContactService } from "./chats/contact.service.js";
import type { ConversationService } from "./chats/conversation.service.js";
import type { RecentChatService } from "./chats/recent-chat.service.js";
import type { DoorServices } from "./graphql/context.js";
import type { GroupService } from "./groups/group.service.js";
import type { IdentityService } from "./identity/identity.service.js";
import type { Jids } from "./identity/jid.js";
import type { UserDirectory } from "./identity/user-directory.js";
import type { MediaService } from "./media/media.service.js";
import type { MediaMessageService } from "./messages/media-message.service.js";
import type { DeletionService } from "./messages/deletion.service.js";
import type { FavouriteService } from "./messages/favourite.service.js";
import type { MessageService } from "./messages/message.service.js";
import type { ReceiptService } from "./messages/receipt.service.js";
import type { TypingService } from "./messages/typing.service.js";
import type { PresenceService } from "./profiles/presence.service.js";
import type { ProfileService } from "./profiles/profile.service.js";
import type { SyncService } from "./sync/sync.service.js";

export interface Services extends DoorServices {
  jids: Jids;
  identity: IdentityService;
  profiles: ProfileService;
  presence: PresenceService;
  contacts: ContactService;
  users: UserDirectory;
  chats: ChatService;
  recentChats: RecentChatService;
  messages: MessageService;
  receipts: ReceiptService;
  typing: TypingService;
  conversations: ConversationService;
  favourites: FavouriteService;
  deletions: DeletionService;
  groups: GroupService;
  media: MediaService;
  mediaMessages: MediaMessageService;
  sync: SyncService;
}
