// The context of every operation, built by one function that HTTP and WebSocket share.
import type { Logger } from "pino";
import type { ChatService } from "../chats/chat.service.js";
import type { ContactService } from "../chats/contact.service.js";
import type { ConversationService } from "../chats/conversation.service.js";
import type { RecentChatService } from "../chats/recent-chat.service.js";
import type { Config, Feature } from "../config.js";
import type { GroupService } from "../groups/group.service.js";
import type { IdentityService, ServerAccess } from "../identity/identity.service.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Jids } from "../identity/jid.js";
import type { UserDirectory } from "../identity/user-directory.js";
import type { MediaService } from "../media/media.service.js";
import type { DeletionService } from "../messages/deletion.service.js";
import type { FavouriteService } from "../messages/favourite.service.js";
import type { DeliveryLink } from "../messages/message-stream.js";
import type { MessageService } from "../messages/message.service.js";
import type { ReceiptService } from "../messages/receipt.service.js";
import type { TypingService } from "../messages/typing.service.js";
import type { PresenceService } from "../profiles/presence.service.js";
import type { ProfileService } from "../profiles/profile.service.js";
import type { PubSub } from "../realtime/pubsub.js";
import { featureUnavailable, unauthenticated } from "./errors.js";
import type { MutationRateLimiter } from "./rate-limit.js";

/** Everything resolvers may call; made once per server in app.ts. */
export interface Services {
  config: Config;
  jids: Jids;
  pubsub: PubSub;
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
  mutationLimit: MutationRateLimiter;
  media: MediaService;
}

export interface Context {
  requestId: string;
  log: Logger;
  services: Services;
  /** The x-license-key header (HTTP only). */
  licenseKey: string | undefined;
  /** Whether the request carries the app backend's credential, the x-api-key header (HTTP only). */
  serverAccess: ServerAccess;
  /** The client's address (behind trusted proxies, the one they report), when known. */
  clientAddress: string | undefined;
  /** The caller; UNAUTHENTICATED when the operation came without a valid token. */
  viewer(): Promise<Viewer>;
  /** The caller, or null for an operation without a valid token (an invalid one still fails). */
  caller(): Promise<Viewer | null>;
  /** FEATURE_UNAVAILABLE unless the server's plan includes the feature. */
  requireFeature(feature: Feature): void;
  /** The socket a subscription's events are written to (WebSocket only). */
  delivery: DeliveryLink | undefined;
}

export interface ContextInput {
  requestId: string;
  log: Logger;
  licenseKey?: string | undefined;
  serverAccess?: ServerAccess;
  clientAddress?: string | undefined;
  /** Resolves the caller at most once, on first use: public operations never pay for it. */
  authenticate: () => Promise<Viewer | null>;
  delivery?: DeliveryLink | undefined;
}

export function createContext(services: Services, input: ContextInput): Context {
  let viewer: Promise<Viewer | null> | undefined;
  return {
    requestId: input.requestId,
    log: input.log,
    services,
    licenseKey: input.licenseKey,
    serverAccess: input.serverAccess ?? "none",
    clientAddress: input.clientAddress,
    delivery: input.delivery,
    async viewer() {
      const v = await this.caller();
      if (!v) throw unauthenticated();
      return v;
    },
    caller() {
      viewer ??= input.authenticate();
      return viewer;
    },
    requireFeature(feature) {
      if (!services.config.features.has(feature)) throw featureUnavailable(feature);
    },
  };
}

/** The token of an "Authorization: Bearer <token>" value, or undefined when there is none. */
export function bearerToken(authorization: unknown): string | undefined {
  if (typeof authorization !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
