// ParleyClient: the chat SDK's methods as typed calls over the generated documents (HTTP), and its
// listeners as events from one WebSocket that reconnects by itself and resumes messages from the
// last rowId it delivered, so that an app sees every message once, in order, across reconnects.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import * as D from "../generated/graphql.js";
import { ParleyError } from "./errors.js";
import { postGraphQL, type VariablesArg } from "./http.js";
import { type ConnectionState, Realtime, type ReconnectOptions, type Stream } from "./realtime.js";

export type Message = D.MessageFieldsFragment;
export type Receipt = D.ReceiptFieldsFragment;
export type UserProfile = D.ProfileFieldsFragment;
export type Group = D.GroupFieldsFragment;
export type RecentChat = D.RecentChatFieldsFragment;
export type TypingEvent = D.TypingStatusSubscription["typingStatus"];
export type MessagesDeleted = D.MessagesDeletedSubscription["messagesDeleted"];
export type GroupEvent = D.GroupUpdatedSubscription["groupUpdated"];

/** What client.on(event, listener) delivers; the SDK's listeners by another name. */
export interface ParleyEvents {
  /** messageListener: each message once, in order, replayed after a reconnect if it was missed. */
  message: Message;
  /** messageStatusListener: delivered and seen receipts of the messages this user sent. */
  messageStatus: Receipt;
  messagesDeleted: MessagesDeleted;
  /** typingStatusListener, every chat of this user. */
  typing: TypingEvent;
  /** userProfileListener: this user's own profile and their contacts'. */
  userProfile: UserProfile;
  /** groupProfileListener. */
  groupProfile: GroupEvent;
  state: ConnectionState;
  /** Refused sockets (4403, 4429), a getToken that failed, errors of a subscription. */
  error: ParleyError;
}

type EventName = keyof ParleyEvents;
type Listener<K extends EventName> = (value: ParleyEvents[K]) => void;

export interface ParleyClientOptions {
  /** The GraphQL endpoint, e.g. https://chat.example.com/graphql; the WebSocket is the same URL as ws(s). */
  url: string;
  /**
   * Where a token comes from when the client needs one: at the first request, and again when the
   * server answers UNAUTHENTICATED or closes the socket for "Token expired" / "Token revoked".
   * Without it, connect(username, password) stores the credentials and connects again.
   */
  getToken?: () => Promise<string>;
  /** The WebSocket class: the browser's by default; in Node < 22 pass the ws package's. */
  webSocketImpl?: unknown;
  /** fetch, for environments without a global one. */
  fetch?: typeof fetch;
  /**
   * Resume messages after this rowId (the newest message the app has stored). Without it, the
   * client starts after the newest message of the user's chats at its first connection.
   */
  afterRowId?: string;
  reconnect?: ReconnectOptions;
  /** Ping interval (ms) that notices a dead connection; 0 turns it off. Default 15 000. */
  keepAliveMs?: number;
}

/** Remembers the ids of the last messages delivered, so a replay never delivers one twice. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}

/** Each realtime event and the subscription that feeds it. */
const STREAMS = {
  message: D.MessageReceivedDocument,
  messageStatus: D.MessageStatusUpdatedDocument,
  messagesDeleted: D.MessagesDeletedDocument,
  typing: D.TypingStatusDocument,
  userProfile: D.UserProfileUpdatedDocument,
  groupProfile: D.GroupUpdatedDocument,
} as const;
type StreamName = keyof typeof STREAMS;

export class ParleyClient {
  private token: string | undefined;
  private refreshing: Promise<string> | undefined;
  private tokenSource: (() => Promise<string>) | undefined;
  private cursor: string | undefined;
  private readonly seen = new RecentIds(5_000);
  private readonly listeners = new Map<EventName, Set<Listener<any>>>();
  private readonly realtime: Realtime;
  private readonly fetch: typeof fetch;
  /** The user connect() signed in, or undefined with getToken (the app knows who it is). */
  userJid: string | undefined;

  constructor(private readonly options: ParleyClientOptions) {
    this.tokenSource = options.getToken;
    this.cursor = options.afterRowId;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const webSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!webSocketImpl) throw new Error("ParleyClient: no global WebSocket here; pass webSocketImpl (e.g. the ws package's WebSocket)");
    this.realtime = new Realtime({
      url: options.url.replace(/^http/, "ws"),
      webSocketImpl,
      token: (stale) => (stale === undefined ? this.currentToken() : this.freshToken(stale)),
      reconnect: options.reconnect ?? {},
      keepAliveMs: options.keepAliveMs ?? 15_000,
      onState: (state) => this.emit("state", state),
      onError: (error) => this.emit("error", error),
    });
  }

  /** connecting, connected, reconnecting, closed (idle before open). */
  get state(): ConnectionState {
    return this.realtime.connectionState;
  }

  /** The rowId of the last message delivered: persist it and pass it back as afterRowId. */
  get lastRowId(): string | undefined {
    return this.cursor;
  }

  // ---- events

  /** Listens for an event; returns the function that stops listening. */
  on<K extends EventName>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    if (event in STREAMS && event !== "message" && set.size === 1) this.realtime.add(event, this.streamOf(event as StreamName));
    return () => {
      if (!set.delete(listener) || set.size > 0) return;
      if (event in STREAMS && event !== "message") this.realtime.remove(event);
    };
  }

  private emit<K extends EventName>(event: K, value: ParleyEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(value);
      } catch (error) {
        // A listener's bug must not stop delivery to the others, nor hide: rethrown outside.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private streamOf(name: StreamName): Stream<any, any> {
    if (name === "message") {
      return {
        document: D.MessageReceivedDocument,
        variables: async () => ({ afterRowId: (this.cursor ??= await this.newestRowId()) }),
        onData: (data: D.MessageReceivedSubscription) => this.deliver(data.messageReceived),
      };
    }
    const field = { messageStatus: "messageStatusUpdated", messagesDeleted: "messagesDeleted", typing: "typingStatus", userProfile: "userProfileUpdated", groupProfile: "groupUpdated" }[name];
    return { document: STREAMS[name], variables: () => ({}), onData: (data: Record<string, any>) => this.emit(name, data[field]) };
  }

  private deliver(message: Message): void {
    // The server replays after the cursor in order; a message seen before the socket dropped may
    // come again only when it was in flight at that moment.
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    this.cursor = message.rowId;
    this.emit("message", message);
  }

  /** Where listening starts without a cursor: after the newest message of the user's chats. */
  private async newestRowId(): Promise<string> {
    const { recentChats, archivedChats } = await this.request(D.ResumeCursorDocument);
    let newest = 0n;
    for (const chat of [...recentChats, ...archivedChats]) {
      const rowId = chat.lastMessage ? BigInt(chat.lastMessage.rowId) : 0n;
      if (rowId > newest) newest = rowId;
    }
    return newest.toString();
  }

  // ---- connection

  /** Opens the realtime connection (connect() does it for you); resolves once listeners are live. */
  async open(): Promise<void> {
    this.realtime.add("message", this.streamOf("message"));
    this.realtime.start();
    await this.realtime.ready();
  }

  /**
   * Resolves once the socket is up and every listener added so far is in place on the server.
   * Receipts and typing are not replayed: wait for this before expecting them.
   */
  ready(): Promise<void> {
    return this.realtime.ready();
  }

  /** Closes the realtime connection; the token stays valid (see logout). */
  async close(): Promise<void> {
    await this.realtime.stop();
  }

  // ---- requests

  /** Any operation, for what has no method here: a typed document and its variables. */
  async request<R, V>(document: TypedDocumentNode<R, V>, ...[variables]: VariablesArg<V>): Promise<R> {
    const token = await this.currentToken().catch(() => undefined);
    try {
      return await postGraphQL(this.fetch, this.options.url, document, variables, token ? { authorization: `Bearer ${token}` } : {});
    } catch (error) {
      // An ended token is replaced once; the server refused the call before running it.
      if (!(error instanceof ParleyError && error.code === "UNAUTHENTICATED" && token && this.tokenSource)) throw error;
      const fresh = await this.freshToken(token);
      return postGraphQL(this.fetch, this.options.url, document, variables, { authorization: `Bearer ${fresh}` });
    }
  }

  /** A request that carries no token (register, connect). */
  private anonymous<R, V>(document: TypedDocumentNode<R, V>, ...[variables]: VariablesArg<V>): Promise<R> {
    return postGraphQL(this.fetch, this.options.url, document, variables, {});
  }

  private async currentToken(): Promise<string> {
    if (this.token !== undefined) return this.token;
    return this.freshToken(undefined);
  }

  /** A token other than stale; concurrent callers share one getToken call. */
  private async freshToken(stale: string | undefined): Promise<string> {
    if (this.token !== undefined && this.token !== stale) return this.token;
    const source = this.tokenSource;
    if (!source) throw new ParleyError("no token: call connect(username, password) or pass getToken", [], { code: "UNAUTHENTICATED", statusCode: 401 });
    this.refreshing ??= source()
      .then((token) => (this.token = token))
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  // ---- identity

  /** Creates a user; the generated password is returned once. */
  async register(userIdentifier: string): Promise<D.RegisterMutation["register"]> {
    return (await this.anonymous(D.RegisterDocument, { userIdentifier })).register;
  }

  /**
   * Signs in and opens the realtime connection. Without getToken the credentials are kept in
   * memory, to sign in again when the token ends.
   */
  async connect(username: string, password: string): Promise<D.ConnectMutation["connect"]> {
    const signIn = async () => (await this.anonymous(D.ConnectDocument, { username, password })).connect;
    const session = await signIn();
    this.token = session.token;
    this.userJid = session.userJid;
    this.tokenSource ??= async () => (await signIn()).token;
    await this.open();
    return session;
  }

  /** Revokes the token (its sockets close on every server) and closes the connection. */
  async logout(): Promise<boolean> {
    const { logout } = await this.request(D.LogoutDocument);
    await this.close();
    this.token = undefined;
    this.tokenSource = this.options.getToken;
    return logout;
  }

  async getJid(username: string): Promise<string> {
    return (await this.request(D.JidDocument, { username })).jid;
  }

  // ---- profiles

  async getMyProfile(): Promise<UserProfile> {
    return (await this.request(D.MyProfileDocument)).myProfile;
  }

  /** At most 100 jids. */
  async getUserProfiles(jids: string[]): Promise<UserProfile[]> {
    return (await this.request(D.UserProfilesDocument, { jids })).userProfiles;
  }

  /** The user's contacts. */
  async getProfiles(options: D.ProfilesQueryVariables = {}): Promise<UserProfile[]> {
    return (await this.request(D.ProfilesDocument, options)).profiles;
  }

  async setUserProfile(input: D.ProfileInput): Promise<UserProfile> {
    return (await this.request(D.SetUserProfileDocument, { input })).setUserProfile;
  }

  async deleteUserProfilePicture(): Promise<UserProfile> {
    return (await this.request(D.DeleteUserProfilePictureDocument)).deleteUserProfilePicture;
  }

  // ---- groups

  async createGroup(name: string, participantJids: string[], image: { imageUrl?: string; imageFileToken?: string } = {}): Promise<Group> {
    return (await this.request(D.CreateGroupDocument, { name, participantJids, ...image })).createGroup;
  }

  async getGroupsList(): Promise<Group[]> {
    return (await this.request(D.GroupsDocument)).groups;
  }

  async getGroupProfile(jid: string): Promise<Group> {
    return (await this.request(D.GroupDocument, { jid })).group;
  }

  async getGroupJid(groupId: string): Promise<string> {
    return (await this.request(D.GroupJidDocument, { groupId })).groupJid;
  }

  async setGroupProfile(groupJid: string, changes: { name?: string; imageUrl?: string; imageFileToken?: string }): Promise<Group> {
    return (await this.request(D.SetGroupProfileDocument, { groupJid, ...changes })).setGroupProfile;
  }

  async getGroupParticipants(jid: string): Promise<D.ParticipantFieldsFragment[]> {
    return (await this.request(D.GroupParticipantsDocument, { jid })).groupParticipants;
  }

  async addParticipants(groupJid: string, participantJids: string[]): Promise<Group> {
    return (await this.request(D.AddParticipantsDocument, { groupJid, participantJids })).addParticipants;
  }

  async removeParticipant(groupJid: string, userJid: string): Promise<Group> {
    return (await this.request(D.RemoveParticipantDocument, { groupJid, userJid })).removeParticipant;
  }

  async makeAsAdmin(groupJid: string, userJid: string): Promise<Group> {
    return (await this.request(D.MakeAsAdminDocument, { groupJid, userJid })).makeAsAdmin;
  }

  async userExitGroup(groupJid: string): Promise<boolean> {
    return (await this.request(D.UserExitGroupDocument, { groupJid })).userExitGroup;
  }

  async userDeleteGroup(groupJid: string): Promise<boolean> {
    return (await this.request(D.UserDeleteGroupDocument, { groupJid })).userDeleteGroup;
  }

  async getGroupMsgInfo(groupJid: string, messageId: string): Promise<D.GroupMessageInfoQuery["groupMessageInfo"]> {
    return (await this.request(D.GroupMessageInfoDocument, { groupJid, messageId })).groupMessageInfo;
  }

  // ---- messages

  /** Also replies (replyMessageId) and mentions. A msgId of the app's makes a resend safe: the server answers the stored message. */
  async sendTextMessage(input: D.SendTextMessageInput): Promise<Message> {
    return (await this.request(D.SendTextMessageDocument, { input })).sendTextMessage;
  }

  /** input.fileToken: from an upload to POST /media. */
  async sendImageMessage(input: D.SendFileMessageInput): Promise<Message> {
    return (await this.request(D.SendImageMessageDocument, { input })).sendImageMessage;
  }

  async sendAudioMessage(input: D.SendFileMessageInput): Promise<Message> {
    return (await this.request(D.SendAudioMessageDocument, { input })).sendAudioMessage;
  }

  async sendVideoMessage(input: D.SendFileMessageInput): Promise<Message> {
    return (await this.request(D.SendVideoMessageDocument, { input })).sendVideoMessage;
  }

  async sendDocumentMessage(input: D.SendFileMessageInput): Promise<Message> {
    return (await this.request(D.SendDocumentMessageDocument, { input })).sendDocumentMessage;
  }

  /** Media stored elsewhere, sent as metadata. */
  async sendMediaMessageData(input: D.MediaMessageDataInput): Promise<Message> {
    return (await this.request(D.SendMediaMessageDataDocument, { input })).sendMediaMessageData;
  }

  async forwardMessages(messageIds: string[], toJids: string[]): Promise<Message[]> {
    return (await this.request(D.ForwardMessagesDocument, { messageIds, toJids })).forwardMessages;
  }

  /** A page of history; without lastRowId the newest. */
  async getChatMessages(jid: string, page: Omit<D.ChatMessagesQueryVariables, "jid"> = {}): Promise<D.ChatMessagesQuery["chatMessages"]> {
    return (await this.request(D.ChatMessagesDocument, { jid, ...page })).chatMessages;
  }

  async getReplyMessage(id: string): Promise<Message> {
    return (await this.request(D.MessageDocument, { id })).message;
  }

  async getMediaMessages(jid: string, lastMessageId?: string): Promise<Message[]> {
    return (await this.request(D.MediaMessagesDocument, { jid, lastMessageId })).mediaMessages;
  }

  async downloadMedia(fileToken: string): Promise<D.DownloadMediaQuery["downloadMedia"]> {
    return (await this.request(D.DownloadMediaDocument, { fileToken })).downloadMedia;
  }

  /** Marks the chat seen up to this message. */
  async sendSeenStatus(toJid: string, messageId: string): Promise<boolean> {
    return (await this.request(D.SendSeenStatusDocument, { toJid, messageId })).sendSeenStatus;
  }

  async sendTypingStatus(toJid: string): Promise<boolean> {
    return (await this.request(D.SendTypingStatusDocument, { toJid })).sendTypingStatus;
  }

  async sendTypingGoneStatus(toJid: string): Promise<boolean> {
    return (await this.request(D.SendTypingGoneStatusDocument, { toJid })).sendTypingGoneStatus;
  }

  async updateFavouriteStatus(toJid: string, messageId: string, isFavourite: boolean): Promise<boolean> {
    return (await this.request(D.UpdateFavouriteStatusDocument, { toJid, messageId, isFavourite })).updateFavouriteStatus;
  }

  async getAllFavouriteMessages(): Promise<Message[]> {
    return (await this.request(D.FavouriteMessagesDocument)).favouriteMessages;
  }

  async removeAllFavouriteMessages(): Promise<boolean> {
    return (await this.request(D.RemoveAllFavouriteMessagesDocument)).removeAllFavouriteMessages;
  }

  async deleteMessagesForMe(toJid: string, messageIds: string[]): Promise<boolean> {
    return (await this.request(D.DeleteMessagesForMeDocument, { toJid, messageIds })).deleteMessagesForMe;
  }

  async deleteMessagesForEveryone(toJid: string, messageIds: string[]): Promise<boolean> {
    return (await this.request(D.DeleteMessagesForEveryoneDocument, { toJid, messageIds })).deleteMessagesForEveryone;
  }

  // ---- chats

  async getRecentChats(): Promise<RecentChat[]> {
    return (await this.request(D.RecentChatsDocument)).recentChats;
  }

  async getAllArchivedChats(): Promise<RecentChat[]> {
    return (await this.request(D.ArchivedChatsDocument)).archivedChats;
  }

  async muteChat(toJid: string, isMuted: boolean): Promise<boolean> {
    return (await this.request(D.MuteChatDocument, { toJid, isMuted })).muteChat;
  }

  async archiveChat(toJid: string, isArchived: boolean): Promise<boolean> {
    return (await this.request(D.ArchiveChatDocument, { toJid, isArchived })).archiveChat;
  }

  async clearChat(toJid: string, options: { deleteFavourites?: boolean; lastMessageId?: string } = {}): Promise<boolean> {
    return (await this.request(D.ClearChatDocument, { toJid, ...options })).clearChat;
  }

  async clearAllChats(): Promise<boolean> {
    return (await this.request(D.ClearAllChatsDocument)).clearAllChats;
  }

  async deleteChat(toJid: string, options: { deleteFavourites?: boolean } = {}): Promise<boolean> {
    return (await this.request(D.DeleteChatDocument, { toJid, ...options })).deleteChat;
  }

  async deleteAllRecentChats(): Promise<boolean> {
    return (await this.request(D.DeleteAllRecentChatsDocument)).deleteAllRecentChats;
  }
}
