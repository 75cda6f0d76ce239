// The one place that wires parts together: config → database, pub/sub, presence → services →
// schema → HTTP and WebSocket on one port. Nothing connects at import time.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { ChatService } from "./messages/chat.service.js";
import { ContactService } from "./chats/contact.service.js";
import { ConversationService } from "./chats/conversation.service.js";
import { RecentChatService } from "./chats/recent-chat.service.js";
import type { Config } from "./config.js";
import { type Database, openDatabase } from "./db/database.js";
import { entities, migrations } from "./registry.js";
import type { Services } from "./services.js";
import { MutationRateLimiter } from "./graphql/rate-limit.js";
import { StageClock } from "./graphql/stage-clock.js";
import { parleySchema } from "./schema.js";
import { Metrics } from "./http/metrics.js";
import { createHttpServer, type HttpServer } from "./http/server.js";
import { ExternalTokenVerifier } from "./identity/external-token.js";
import { IdentityService } from "./identity/identity.service.js";
import { GroupDirectory } from "./groups/group-directory.js";
import { GroupService } from "./groups/group.service.js";
import { Jids } from "./identity/jid.js";
import { ImageProbe } from "./media/image-probe.js";
import { MediaStore } from "./media/media-store.js";
import { registerMediaRoutes } from "./media/media.routes.js";
import { MediaService } from "./media/media.service.js";
import { MediaMessageService } from "./messages/media-message.service.js";
import { MediaUrlSigner } from "./media/signed-url.js";
import { LocalDiskStorage } from "./media/storage.js";
import { Uploader } from "./media/upload.js";
import { VideoThumbnailer } from "./media/video-thumbnail.js";
import { loadSigningKey, TokenSigner } from "./identity/token.js";
import { UserDirectory } from "./identity/user-directory.js";
import { DeletionService } from "./messages/deletion.service.js";
import { FavouriteService } from "./messages/favourite.service.js";
import { Addressing } from "./messages/addressing.js";
import { MessageWriter } from "./messages/message-writer.js";
import { MessageService } from "./messages/message.service.js";
import type { MessageStore } from "./messages/store/message-store.js";
import { PostgresMessageStore } from "./messages/store/postgres-message-store.js";
import { SqliteMessageStore } from "./messages/store/sqlite-message-store.js";
import { type GroupStore, PostgresGroupStore, SqliteGroupStore } from "./groups/group-store.js";
import { ReceiptService } from "./messages/receipt.service.js";
import { TypingService } from "./messages/typing.service.js";
import { PresenceService } from "./profiles/presence.service.js";
import { ProfileService } from "./profiles/profile.service.js";
import { SyncLog } from "./realtime/sync-log.js";
import { SyncService } from "./sync/sync.service.js";
import { InProcessPresence, RedisPresence } from "./realtime/presence.js";
import { createRealtime } from "./realtime/pubsub.js";
import { GROUP_IMAGE } from "./groups/group.entity.js";
import { MESSAGE_MEDIA } from "./messages/message.entity.js";
import { PROFILE_IMAGE } from "./profiles/profile.entity.js";

export interface App {
  config: Config;
  log: Logger;
  services: Services;
  http: HttpServer;
  metrics: Metrics;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:4000. */
  listen(): Promise<string>;
  /**
   * Stops accepting, lets operations under way finish, closes WebSockets with 1001, then Redis
   * and the database. Bounded by the caller (main.ts: SHUTDOWN_TIMEOUT_MS).
   */
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: "parley" } });
}

export async function createApp(config: Config, log: Logger = createLogger(config)): Promise<App> {
  const metrics = new Metrics();
  const db: Database = await openDatabase(config, log, { entities, migrations });
  metrics.watchDatabase(() => db.poolStats());
  const realtime = createRealtime(config, log, (topic) => metrics.published(topic.kind), (listeners) => metrics.brokerResumed(listeners));
  const presenceStore = realtime.redis
    ? new RedisPresence(realtime.redis, config.presenceTtlSeconds)
    : new InProcessPresence();

  const jids = new Jids(config.xmppDomain);
  // The one choice of dialect outside db/: every statement of the message path is the store's.
  const messageStore: MessageStore = db.dialect === "postgres" ? new PostgresMessageStore(db) : new SqliteMessageStore(db);
  const groupStore: GroupStore = db.dialect === "postgres" ? new PostgresGroupStore() : new SqliteGroupStore();
  const contacts = new ContactService(messageStore, config.features.has("groupChat"));
  const presence = new PresenceService(presenceStore, db);
  const mediaStore = new MediaStore(db, new LocalDiskStorage(join(config.dataDir, "media")), log, config.media.unusedTtlSeconds, [MESSAGE_MEDIA, PROFILE_IMAGE, GROUP_IMAGE]);
  mediaStore.startSweeping();
  const syncLog = new SyncLog(db, realtime.pubsub, log, config.syncRetentionDays);
  const profiles = new ProfileService(db, realtime.pubsub, presence, contacts, jids, config.profileCustomFields, mediaStore, log, syncLog);
  const signingKey = loadSigningKey(config);
  const tokens = new TokenSigner(signingKey, config.tokenTtlSeconds);
  const externalTokens = config.externalAuth ? ExternalTokenVerifier.create(config.externalAuth) : undefined;
  const identity = new IdentityService(db, realtime.pubsub, tokens, jids, profiles, config, log, externalTokens);
  // With the broker down at start-up every request asks the database until it is back.
  const watchingRevocations = identity.watchRevocations();
  watchingRevocations.catch((err: unknown) => log.error({ err }, "cannot listen for revoked sessions"));
  const watchingAllowTypes = profiles.watchAllowTypes();
  watchingAllowTypes.catch((err: unknown) => log.error({ err }, "cannot listen for allowType changes"));
  const users = new UserDirectory(db, jids);
  const groupDirectory = new GroupDirectory(db);
  const addressing = new Addressing(users, groupDirectory, jids, config.features);
  const chats = new ChatService(db, config.features);
  // Off by default: with it off nothing on the message path records anything.
  const stageClock = config.stageTimings ? new StageClock(metrics.messageStages()) : undefined;
  const writer = new MessageWriter(db, messageStore, addressing, realtime.pubsub, log, {
    observer: metrics.announcements,
    stageClock,
    exitAfterCommitText: config.testExitAfterCommitText,
  });
  writer.startSweeping(config.announceSweepMs);
  const messages = new MessageService(db, messageStore, addressing, chats, users, profiles, writer, jids, config.maxTextLength);
  const receipts = new ReceiptService(db, messageStore, addressing, realtime.pubsub, log, syncLog);
  const typing = new TypingService(addressing, realtime.pubsub, config.typingTimeoutMs);
  const conversations = new ConversationService(db, messageStore, addressing, chats, messages, syncLog);
  const favourites = new FavouriteService(db, messageStore, addressing, messages, syncLog);
  const deletions = new DeletionService(db, messageStore, addressing, chats, messages, realtime.pubsub, log, config.deleteForEveryoneWindowSeconds * 1000, mediaStore, syncLog);
  const groups = new GroupService(db, groupStore, groupDirectory, addressing, users, profiles, messages, realtime.pubsub, jids, log, config.maxGroupSize, mediaStore, syncLog);
  const mediaUrls = new MediaUrlSigner(signingKey, config.media.urlTtlSeconds);
  const media = new MediaService(mediaStore, messages, mediaUrls, config);
  const mediaMessages = new MediaMessageService(media, messages);
  const recentChats = new RecentChatService(chats, messages, profiles, groups);
  const sync = new SyncService(syncLog, messages, receipts, groups, profiles, realtime.pubsub);
  syncLog.startPruning(config.syncPruneIntervalSeconds * 1000);
  const services: Services = {
    config,
    jids,
    pubsub: realtime.pubsub,
    identity,
    profiles,
    presence,
    contacts,
    users,
    chats,
    recentChats,
    messages,
    receipts,
    typing,
    conversations,
    favourites,
    deletions,
    groups,
    mutationLimit: new MutationRateLimiter(config, realtime.redis, log),
    stageClock,
    media,
    mediaMessages,
    sync,
  };

  const http = await createHttpServer({
    config,
    services,
    schema: await parleySchema(),
    log,
    readiness: [
      { name: "database", check: () => db.ping() },
      { name: "pubsub", check: () => realtime.pubsub.ping() },
    ],
    metrics,
  });

  const images = new ImageProbe({ maxPixels: config.media.maxImagePixels, concurrency: config.media.imageConcurrency });
  await registerMediaRoutes(http.fastify, {
    identity,
    uploader: new Uploader(db, mediaStore.storage, config.media.maxBytes, images, await VideoThumbnailer.start(log, images)),
    store: mediaStore,
    signer: mediaUrls,
  });

  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    services,
    http,
    metrics,
    async listen() {
      await http.fastify.listen({ port: config.port, host: config.host });
      const { port } = http.fastify.server.address() as AddressInfo;
      const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
      return `http://${host}:${port}`;
    },
    close() {
      closing ??= (async () => {
        await http.close();
        writer.stopSweeping();
        for (const watching of [watchingRevocations, watchingAllowTypes]) void watching.then((stop) => stop(), () => undefined);
        await receipts.close();
        await syncLog.close();
        await presence.close();
        await mediaStore.close();
        await realtime.pubsub.close();
        await db.close();
      })();
      return closing;
    },
  };
}
