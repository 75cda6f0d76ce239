/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AdminForbidType =
  | 'NONE'
  | 'SEND_OUT';

/** Who may start a one-to-one chat with this user. */
export type AllowType =
  | 'ALLOW_ANY'
  | 'DENY_ANY'
  | 'NEED_CONFIRM';

export type ChatType =
  | 'CHAT'
  | 'GROUPCHAT';

export type Gender =
  | 'FEMALE'
  | 'MALE'
  | 'UNKNOWN';

export type GroupEventType =
  | 'ADMIN_GRANTED'
  | 'CREATED'
  | 'DELETED'
  | 'PARTICIPANT_ADDED'
  | 'PARTICIPANT_LEFT'
  | 'PARTICIPANT_REMOVED'
  | 'PROFILE_UPDATED';

export type MessageStatus =
  | 'DELIVERED'
  | 'SEEN'
  | 'SENT';

export type MessageType =
  | 'AUDIO'
  | 'FILE'
  | 'IMAGE'
  | 'TEXT'
  | 'VIDEO';

/** Direction of a history page relative to lastRowId. */
export type PagePosition =
  /** Newer messages than lastRowId. */
  | 'DOWN'
  /** Older messages than lastRowId. */
  | 'UP';

export type ParticipantRole =
  | 'ADMIN'
  | 'MEMBER';

export type ProfileCustomFieldInput = {
  /** Must be one of the keys the server is configured to accept. */
  key: string;
  value: string;
};

/** A patch: an omitted field keeps its value; an explicit null clears it. */
export type ProfileInput = {
  adminForbidType?: AdminForbidType | null | undefined;
  allowType?: AllowType | null | undefined;
  birthday?: number | null | undefined;
  /** Replaces the given keys; keys not named keep their value. */
  customFields?: Array<ProfileCustomFieldInput> | null | undefined;
  email?: string | null | undefined;
  gender?: Gender | null | undefined;
  /** A fileToken from POST /media of an image the caller uploaded. */
  imageFileToken?: string | null | undefined;
  /** An http(s) URL for the image. */
  imageUrl?: string | null | undefined;
  language?: number | null | undefined;
  level?: number | null | undefined;
  location?: string | null | undefined;
  messageSettings?: number | null | undefined;
  mobileNumber?: string | null | undefined;
  nickname?: string | null | undefined;
  role?: number | null | undefined;
  status?: string | null | undefined;
};

export type ProfileSort =
  /** By nickname, then username (Mesibo getSortedUserProfiles). */
  | 'NAME'
  /** Most recent one-to-one or group conversation first (Mesibo getRecentProfiles). */
  | 'RECENT';

export type SendTextMessageInput = {
  mentionedUserJids?: Array<string> | null | undefined;
  messageText: string;
  /** Client-chosen, globally unique id (a UUID): the same sender sending it again gets the stored message, never a duplicate; another sender reusing it gets CONFLICT. */
  msgId?: string | null | undefined;
  replyMessageId?: string | null | undefined;
  toJid: string;
};

export type TypingState =
  | 'COMPOSING'
  | 'GONE';

export type RecentChatsQueryVariables = Exact<{ [key: string]: never; }>;


export type RecentChatsQuery = { recentChats: Array<{ jid: string, chatType: ChatType, unreadCount: number, isMuted: boolean, isArchived: boolean, updatedAt: string, profile: { jid: string, username: string, nickname: string | null, image: string | null, isOnline: boolean } | null, group: { jid: string, name: string, image: string | null } | null, lastMessage: { id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null } | null }> };

export type ArchivedChatsQueryVariables = Exact<{ [key: string]: never; }>;


export type ArchivedChatsQuery = { archivedChats: Array<{ jid: string, chatType: ChatType, unreadCount: number, isMuted: boolean, isArchived: boolean, updatedAt: string, profile: { jid: string, username: string, nickname: string | null, image: string | null, isOnline: boolean } | null, group: { jid: string, name: string, image: string | null } | null, lastMessage: { id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null } | null }> };

export type MuteChatMutationVariables = Exact<{
  toJid: string;
  isMuted: boolean;
}>;


export type MuteChatMutation = { muteChat: boolean };

export type ArchiveChatMutationVariables = Exact<{
  toJid: string;
  isArchived: boolean;
}>;


export type ArchiveChatMutation = { archiveChat: boolean };

export type ClearChatMutationVariables = Exact<{
  toJid: string;
  lastMessageId?: string | null | undefined;
  deleteFavourites?: boolean | null | undefined;
}>;


export type ClearChatMutation = { clearChat: boolean };

export type ClearAllChatsMutationVariables = Exact<{ [key: string]: never; }>;


export type ClearAllChatsMutation = { clearAllChats: boolean };

export type DeleteChatMutationVariables = Exact<{
  toJid: string;
  deleteFavourites?: boolean | null | undefined;
}>;


export type DeleteChatMutation = { deleteChat: boolean };

export type DeleteAllRecentChatsMutationVariables = Exact<{ [key: string]: never; }>;


export type DeleteAllRecentChatsMutation = { deleteAllRecentChats: boolean };

export type ProfileFieldsFragment = { jid: string, username: string, nickname: string | null, status: string | null, image: string | null, gender: Gender, birthday: number | null, email: string | null, mobileNumber: string | null, location: string | null, language: number | null, level: number | null, role: number | null, messageSettings: number | null, allowType: AllowType, adminForbidType: AdminForbidType, isOnline: boolean, lastSeenAt: string | null, updatedAt: string, customFields: Array<{ key: string, value: string }> };

export type MediaFieldsFragment = { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null };

export type MessageFieldsFragment = { id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null };

export type ParticipantFieldsFragment = { role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } };

export type GroupFieldsFragment = { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> };

export type RecentChatFieldsFragment = { jid: string, chatType: ChatType, unreadCount: number, isMuted: boolean, isArchived: boolean, updatedAt: string, profile: { jid: string, username: string, nickname: string | null, image: string | null, isOnline: boolean } | null, group: { jid: string, name: string, image: string | null } | null, lastMessage: { id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null } | null };

export type ReceiptFieldsFragment = { messageId: string, chatJid: string, userJid: string, status: MessageStatus, at: string };

export type CreateGroupMutationVariables = Exact<{
  name: string;
  participantJids: Array<string> | string;
  imageUrl?: string | null | undefined;
  imageFileToken?: string | null | undefined;
}>;


export type CreateGroupMutation = { createGroup: { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> } };

export type GroupQueryVariables = Exact<{
  jid: string;
}>;


export type GroupQuery = { group: { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> } };

export type GroupsQueryVariables = Exact<{ [key: string]: never; }>;


export type GroupsQuery = { groups: Array<{ groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> }> };

export type GroupJidQueryVariables = Exact<{
  groupId: string;
}>;


export type GroupJidQuery = { groupJid: string };

export type GroupParticipantsQueryVariables = Exact<{
  jid: string;
}>;


export type GroupParticipantsQuery = { groupParticipants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> };

export type GroupMessageInfoQueryVariables = Exact<{
  groupJid: string;
  messageId: string;
}>;


export type GroupMessageInfoQuery = { groupMessageInfo: { messageId: string, participantCount: number, deliveredCount: number, seenCount: number, receipts: Array<{ messageId: string, chatJid: string, userJid: string, status: MessageStatus, at: string }> } };

export type SetGroupProfileMutationVariables = Exact<{
  groupJid: string;
  name?: string | null | undefined;
  imageUrl?: string | null | undefined;
  imageFileToken?: string | null | undefined;
}>;


export type SetGroupProfileMutation = { setGroupProfile: { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> } };

export type AddParticipantsMutationVariables = Exact<{
  groupJid: string;
  participantJids: Array<string> | string;
}>;


export type AddParticipantsMutation = { addParticipants: { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> } };

export type RemoveParticipantMutationVariables = Exact<{
  groupJid: string;
  userJid: string;
}>;


export type RemoveParticipantMutation = { removeParticipant: { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> } };

export type MakeAsAdminMutationVariables = Exact<{
  groupJid: string;
  userJid: string;
}>;


export type MakeAsAdminMutation = { makeAsAdmin: { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> } };

export type UserExitGroupMutationVariables = Exact<{
  groupJid: string;
}>;


export type UserExitGroupMutation = { userExitGroup: boolean };

export type UserDeleteGroupMutationVariables = Exact<{
  groupJid: string;
}>;


export type UserDeleteGroupMutation = { userDeleteGroup: boolean };

export type GroupUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type GroupUpdatedSubscription = { groupUpdated: { type: GroupEventType, groupJid: string, actorJid: string, targetJids: Array<string>, at: string, group: { groupId: string, jid: string, name: string, image: string | null, createdAt: string, myRole: ParticipantRole | null, participantCount: number, createdBy: { jid: string, username: string } | null, participants: Array<{ role: ParticipantRole, joinedAt: string, user: { jid: string, username: string, nickname: string | null, image: string | null } }> } | null } };

export type RegisterMutationVariables = Exact<{
  userIdentifier: string;
}>;


export type RegisterMutation = { register: { username: string, password: string, userJid: string, isProfileUpdated: boolean, isSandbox: boolean } };

export type ConnectMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type ConnectMutation = { connect: { token: string, userJid: string, expiresAt: string } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type JidQueryVariables = Exact<{
  username: string;
}>;


export type JidQuery = { jid: string };

export type SendTextMessageMutationVariables = Exact<{
  input: SendTextMessageInput;
}>;


export type SendTextMessageMutation = { sendTextMessage: { id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null } };

export type ForwardMessagesMutationVariables = Exact<{
  messageIds: Array<string> | string;
  toJids: Array<string> | string;
}>;


export type ForwardMessagesMutation = { forwardMessages: Array<{ id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null }> };

export type ChatMessagesQueryVariables = Exact<{
  jid: string;
  lastRowId?: string | null | undefined;
  limit?: number | null | undefined;
  position?: PagePosition | null | undefined;
}>;


export type ChatMessagesQuery = { chatMessages: { hasMore: boolean, messages: Array<{ id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null }> } };

export type MessageQueryVariables = Exact<{
  id: string;
}>;


export type MessageQuery = { message: { id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null } };

export type SendSeenStatusMutationVariables = Exact<{
  toJid: string;
  messageId: string;
}>;


export type SendSeenStatusMutation = { sendSeenStatus: boolean };

export type SendTypingStatusMutationVariables = Exact<{
  toJid: string;
}>;


export type SendTypingStatusMutation = { sendTypingStatus: boolean };

export type SendTypingGoneStatusMutationVariables = Exact<{
  toJid: string;
}>;


export type SendTypingGoneStatusMutation = { sendTypingGoneStatus: boolean };

export type FavouriteMessagesQueryVariables = Exact<{ [key: string]: never; }>;


export type FavouriteMessagesQuery = { favouriteMessages: Array<{ id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null }> };

export type UpdateFavouriteStatusMutationVariables = Exact<{
  toJid: string;
  messageId: string;
  isFavourite: boolean;
}>;


export type UpdateFavouriteStatusMutation = { updateFavouriteStatus: boolean };

export type RemoveAllFavouriteMessagesMutationVariables = Exact<{ [key: string]: never; }>;


export type RemoveAllFavouriteMessagesMutation = { removeAllFavouriteMessages: boolean };

export type DeleteMessagesForMeMutationVariables = Exact<{
  toJid: string;
  messageIds: Array<string> | string;
}>;


export type DeleteMessagesForMeMutation = { deleteMessagesForMe: boolean };

export type DeleteMessagesForEveryoneMutationVariables = Exact<{
  toJid: string;
  messageIds: Array<string> | string;
}>;


export type DeleteMessagesForEveryoneMutation = { deleteMessagesForEveryone: boolean };

export type MessageReceivedSubscriptionVariables = Exact<{
  afterRowId?: string | null | undefined;
}>;


export type MessageReceivedSubscription = { messageReceived: { id: string, rowId: string, chatType: ChatType, chatJid: string, fromJid: string, toJid: string, type: MessageType, text: string | null, mentionedUserJids: Array<string>, isForwarded: boolean, isDeletedForEveryone: boolean, isFavourite: boolean, isMuted: boolean, status: MessageStatus, createdAt: string, media: { fileName: string, fileSize: number, fileToken: string | null, mimeType: string | null, url: string | null, caption: string | null, duration: string | null, width: number | null, height: number | null, thumbImage: string | null } | null, replyTo: { id: string, fromJid: string, type: MessageType, text: string | null } | null } };

export type MessageStatusUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type MessageStatusUpdatedSubscription = { messageStatusUpdated: { messageId: string, chatJid: string, userJid: string, status: MessageStatus, at: string } };

export type MessagesDeletedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type MessagesDeletedSubscription = { messagesDeleted: { chatJid: string, messageIds: Array<string>, byJid: string, at: string } };

export type TypingStatusSubscriptionVariables = Exact<{
  jid?: string | null | undefined;
}>;


export type TypingStatusSubscription = { typingStatus: { chatJid: string, fromJid: string, state: TypingState, at: string } };

export type MyProfileQueryVariables = Exact<{ [key: string]: never; }>;


export type MyProfileQuery = { myProfile: { jid: string, username: string, nickname: string | null, status: string | null, image: string | null, gender: Gender, birthday: number | null, email: string | null, mobileNumber: string | null, location: string | null, language: number | null, level: number | null, role: number | null, messageSettings: number | null, allowType: AllowType, adminForbidType: AdminForbidType, isOnline: boolean, lastSeenAt: string | null, updatedAt: string, customFields: Array<{ key: string, value: string }> } };

export type UserProfilesQueryVariables = Exact<{
  jids: Array<string> | string;
}>;


export type UserProfilesQuery = { userProfiles: Array<{ jid: string, username: string, nickname: string | null, status: string | null, image: string | null, gender: Gender, birthday: number | null, email: string | null, mobileNumber: string | null, location: string | null, language: number | null, level: number | null, role: number | null, messageSettings: number | null, allowType: AllowType, adminForbidType: AdminForbidType, isOnline: boolean, lastSeenAt: string | null, updatedAt: string, customFields: Array<{ key: string, value: string }> }> };

export type ProfilesQueryVariables = Exact<{
  sort?: ProfileSort | null | undefined;
  limit?: number | null | undefined;
}>;


export type ProfilesQuery = { profiles: Array<{ jid: string, username: string, nickname: string | null, status: string | null, image: string | null, gender: Gender, birthday: number | null, email: string | null, mobileNumber: string | null, location: string | null, language: number | null, level: number | null, role: number | null, messageSettings: number | null, allowType: AllowType, adminForbidType: AdminForbidType, isOnline: boolean, lastSeenAt: string | null, updatedAt: string, customFields: Array<{ key: string, value: string }> }> };

export type SetUserProfileMutationVariables = Exact<{
  input: ProfileInput;
}>;


export type SetUserProfileMutation = { setUserProfile: { jid: string, username: string, nickname: string | null, status: string | null, image: string | null, gender: Gender, birthday: number | null, email: string | null, mobileNumber: string | null, location: string | null, language: number | null, level: number | null, role: number | null, messageSettings: number | null, allowType: AllowType, adminForbidType: AdminForbidType, isOnline: boolean, lastSeenAt: string | null, updatedAt: string, customFields: Array<{ key: string, value: string }> } };

export type DeleteUserProfilePictureMutationVariables = Exact<{ [key: string]: never; }>;


export type DeleteUserProfilePictureMutation = { deleteUserProfilePicture: { jid: string, username: string, nickname: string | null, status: string | null, image: string | null, gender: Gender, birthday: number | null, email: string | null, mobileNumber: string | null, location: string | null, language: number | null, level: number | null, role: number | null, messageSettings: number | null, allowType: AllowType, adminForbidType: AdminForbidType, isOnline: boolean, lastSeenAt: string | null, updatedAt: string, customFields: Array<{ key: string, value: string }> } };

export type UserProfileUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type UserProfileUpdatedSubscription = { userProfileUpdated: { jid: string, username: string, nickname: string | null, status: string | null, image: string | null, gender: Gender, birthday: number | null, email: string | null, mobileNumber: string | null, location: string | null, language: number | null, level: number | null, role: number | null, messageSettings: number | null, allowType: AllowType, adminForbidType: AdminForbidType, isOnline: boolean, lastSeenAt: string | null, updatedAt: string, customFields: Array<{ key: string, value: string }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ProfileFieldsFragmentDoc = new TypedDocumentString(`
    fragment ProfileFields on UserProfile {
  jid
  username
  nickname
  status
  image
  gender
  birthday
  email
  mobileNumber
  location
  language
  level
  role
  messageSettings
  allowType
  adminForbidType
  customFields {
    key
    value
  }
  isOnline
  lastSeenAt
  updatedAt
}
    `, {"fragmentName":"ProfileFields"}) as unknown as TypedDocumentString<ProfileFieldsFragment, unknown>;
export const ParticipantFieldsFragmentDoc = new TypedDocumentString(`
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
    `, {"fragmentName":"ParticipantFields"}) as unknown as TypedDocumentString<ParticipantFieldsFragment, unknown>;
export const GroupFieldsFragmentDoc = new TypedDocumentString(`
    fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}`, {"fragmentName":"GroupFields"}) as unknown as TypedDocumentString<GroupFieldsFragment, unknown>;
export const MediaFieldsFragmentDoc = new TypedDocumentString(`
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
    `, {"fragmentName":"MediaFields"}) as unknown as TypedDocumentString<MediaFieldsFragment, unknown>;
export const MessageFieldsFragmentDoc = new TypedDocumentString(`
    fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}`, {"fragmentName":"MessageFields"}) as unknown as TypedDocumentString<MessageFieldsFragment, unknown>;
export const RecentChatFieldsFragmentDoc = new TypedDocumentString(`
    fragment RecentChatFields on RecentChat {
  jid
  chatType
  profile {
    jid
    username
    nickname
    image
    isOnline
  }
  group {
    jid
    name
    image
  }
  lastMessage {
    ...MessageFields
  }
  unreadCount
  isMuted
  isArchived
  updatedAt
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}`, {"fragmentName":"RecentChatFields"}) as unknown as TypedDocumentString<RecentChatFieldsFragment, unknown>;
export const ReceiptFieldsFragmentDoc = new TypedDocumentString(`
    fragment ReceiptFields on Receipt {
  messageId
  chatJid
  userJid
  status
  at
}
    `, {"fragmentName":"ReceiptFields"}) as unknown as TypedDocumentString<ReceiptFieldsFragment, unknown>;
export const RecentChatsDocument = new TypedDocumentString(`
    query RecentChats {
  recentChats {
    ...RecentChatFields
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}
fragment RecentChatFields on RecentChat {
  jid
  chatType
  profile {
    jid
    username
    nickname
    image
    isOnline
  }
  group {
    jid
    name
    image
  }
  lastMessage {
    ...MessageFields
  }
  unreadCount
  isMuted
  isArchived
  updatedAt
}`) as unknown as TypedDocumentString<RecentChatsQuery, RecentChatsQueryVariables>;
export const ArchivedChatsDocument = new TypedDocumentString(`
    query ArchivedChats {
  archivedChats {
    ...RecentChatFields
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}
fragment RecentChatFields on RecentChat {
  jid
  chatType
  profile {
    jid
    username
    nickname
    image
    isOnline
  }
  group {
    jid
    name
    image
  }
  lastMessage {
    ...MessageFields
  }
  unreadCount
  isMuted
  isArchived
  updatedAt
}`) as unknown as TypedDocumentString<ArchivedChatsQuery, ArchivedChatsQueryVariables>;
export const MuteChatDocument = new TypedDocumentString(`
    mutation MuteChat($toJid: ID!, $isMuted: Boolean!) {
  muteChat(toJid: $toJid, isMuted: $isMuted)
}
    `) as unknown as TypedDocumentString<MuteChatMutation, MuteChatMutationVariables>;
export const ArchiveChatDocument = new TypedDocumentString(`
    mutation ArchiveChat($toJid: ID!, $isArchived: Boolean!) {
  archiveChat(toJid: $toJid, isArchived: $isArchived)
}
    `) as unknown as TypedDocumentString<ArchiveChatMutation, ArchiveChatMutationVariables>;
export const ClearChatDocument = new TypedDocumentString(`
    mutation ClearChat($toJid: ID!, $lastMessageId: ID, $deleteFavourites: Boolean) {
  clearChat(
    toJid: $toJid
    lastMessageId: $lastMessageId
    deleteFavourites: $deleteFavourites
  )
}
    `) as unknown as TypedDocumentString<ClearChatMutation, ClearChatMutationVariables>;
export const ClearAllChatsDocument = new TypedDocumentString(`
    mutation ClearAllChats {
  clearAllChats
}
    `) as unknown as TypedDocumentString<ClearAllChatsMutation, ClearAllChatsMutationVariables>;
export const DeleteChatDocument = new TypedDocumentString(`
    mutation DeleteChat($toJid: ID!, $deleteFavourites: Boolean) {
  deleteChat(toJid: $toJid, deleteFavourites: $deleteFavourites)
}
    `) as unknown as TypedDocumentString<DeleteChatMutation, DeleteChatMutationVariables>;
export const DeleteAllRecentChatsDocument = new TypedDocumentString(`
    mutation DeleteAllRecentChats {
  deleteAllRecentChats
}
    `) as unknown as TypedDocumentString<DeleteAllRecentChatsMutation, DeleteAllRecentChatsMutationVariables>;
export const CreateGroupDocument = new TypedDocumentString(`
    mutation CreateGroup($name: String!, $participantJids: [ID!]!, $imageUrl: String, $imageFileToken: String) {
  createGroup(
    name: $name
    participantJids: $participantJids
    imageUrl: $imageUrl
    imageFileToken: $imageFileToken
  ) {
    ...GroupFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<CreateGroupMutation, CreateGroupMutationVariables>;
export const GroupDocument = new TypedDocumentString(`
    query Group($jid: ID!) {
  group(jid: $jid) {
    ...GroupFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<GroupQuery, GroupQueryVariables>;
export const GroupsDocument = new TypedDocumentString(`
    query Groups {
  groups {
    ...GroupFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<GroupsQuery, GroupsQueryVariables>;
export const GroupJidDocument = new TypedDocumentString(`
    query GroupJid($groupId: ID!) {
  groupJid(groupId: $groupId)
}
    `) as unknown as TypedDocumentString<GroupJidQuery, GroupJidQueryVariables>;
export const GroupParticipantsDocument = new TypedDocumentString(`
    query GroupParticipants($jid: ID!) {
  groupParticipants(jid: $jid) {
    ...ParticipantFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}`) as unknown as TypedDocumentString<GroupParticipantsQuery, GroupParticipantsQueryVariables>;
export const GroupMessageInfoDocument = new TypedDocumentString(`
    query GroupMessageInfo($groupJid: ID!, $messageId: ID!) {
  groupMessageInfo(groupJid: $groupJid, messageId: $messageId) {
    messageId
    participantCount
    deliveredCount
    seenCount
    receipts {
      ...ReceiptFields
    }
  }
}
    fragment ReceiptFields on Receipt {
  messageId
  chatJid
  userJid
  status
  at
}`) as unknown as TypedDocumentString<GroupMessageInfoQuery, GroupMessageInfoQueryVariables>;
export const SetGroupProfileDocument = new TypedDocumentString(`
    mutation SetGroupProfile($groupJid: ID!, $name: String, $imageUrl: String, $imageFileToken: String) {
  setGroupProfile(
    groupJid: $groupJid
    name: $name
    imageUrl: $imageUrl
    imageFileToken: $imageFileToken
  ) {
    ...GroupFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<SetGroupProfileMutation, SetGroupProfileMutationVariables>;
export const AddParticipantsDocument = new TypedDocumentString(`
    mutation AddParticipants($groupJid: ID!, $participantJids: [ID!]!) {
  addParticipants(groupJid: $groupJid, participantJids: $participantJids) {
    ...GroupFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<AddParticipantsMutation, AddParticipantsMutationVariables>;
export const RemoveParticipantDocument = new TypedDocumentString(`
    mutation RemoveParticipant($groupJid: ID!, $userJid: ID!) {
  removeParticipant(groupJid: $groupJid, userJid: $userJid) {
    ...GroupFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<RemoveParticipantMutation, RemoveParticipantMutationVariables>;
export const MakeAsAdminDocument = new TypedDocumentString(`
    mutation MakeAsAdmin($groupJid: ID!, $userJid: ID!) {
  makeAsAdmin(groupJid: $groupJid, userJid: $userJid) {
    ...GroupFields
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<MakeAsAdminMutation, MakeAsAdminMutationVariables>;
export const UserExitGroupDocument = new TypedDocumentString(`
    mutation UserExitGroup($groupJid: ID!) {
  userExitGroup(groupJid: $groupJid)
}
    `) as unknown as TypedDocumentString<UserExitGroupMutation, UserExitGroupMutationVariables>;
export const UserDeleteGroupDocument = new TypedDocumentString(`
    mutation UserDeleteGroup($groupJid: ID!) {
  userDeleteGroup(groupJid: $groupJid)
}
    `) as unknown as TypedDocumentString<UserDeleteGroupMutation, UserDeleteGroupMutationVariables>;
export const GroupUpdatedDocument = new TypedDocumentString(`
    subscription GroupUpdated {
  groupUpdated {
    type
    groupJid
    actorJid
    targetJids
    at
    group {
      ...GroupFields
    }
  }
}
    fragment ParticipantFields on Participant {
  role
  joinedAt
  user {
    jid
    username
    nickname
    image
  }
}
fragment GroupFields on Group {
  groupId
  jid
  name
  image
  createdAt
  createdBy {
    jid
    username
  }
  myRole
  participantCount
  participants {
    ...ParticipantFields
  }
}`) as unknown as TypedDocumentString<GroupUpdatedSubscription, GroupUpdatedSubscriptionVariables>;
export const RegisterDocument = new TypedDocumentString(`
    mutation Register($userIdentifier: String!) {
  register(userIdentifier: $userIdentifier) {
    username
    password
    userJid
    isProfileUpdated
    isSandbox
  }
}
    `) as unknown as TypedDocumentString<RegisterMutation, RegisterMutationVariables>;
export const ConnectDocument = new TypedDocumentString(`
    mutation Connect($username: String!, $password: String!) {
  connect(username: $username, password: $password) {
    token
    userJid
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<ConnectMutation, ConnectMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const JidDocument = new TypedDocumentString(`
    query Jid($username: String!) {
  jid(username: $username)
}
    `) as unknown as TypedDocumentString<JidQuery, JidQueryVariables>;
export const SendTextMessageDocument = new TypedDocumentString(`
    mutation SendTextMessage($input: SendTextMessageInput!) {
  sendTextMessage(input: $input) {
    ...MessageFields
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}`) as unknown as TypedDocumentString<SendTextMessageMutation, SendTextMessageMutationVariables>;
export const ForwardMessagesDocument = new TypedDocumentString(`
    mutation ForwardMessages($messageIds: [ID!]!, $toJids: [ID!]!) {
  forwardMessages(messageIds: $messageIds, toJids: $toJids) {
    ...MessageFields
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}`) as unknown as TypedDocumentString<ForwardMessagesMutation, ForwardMessagesMutationVariables>;
export const ChatMessagesDocument = new TypedDocumentString(`
    query ChatMessages($jid: ID!, $lastRowId: ID, $limit: Int, $position: PagePosition) {
  chatMessages(
    jid: $jid
    lastRowId: $lastRowId
    limit: $limit
    position: $position
  ) {
    hasMore
    messages {
      ...MessageFields
    }
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}`) as unknown as TypedDocumentString<ChatMessagesQuery, ChatMessagesQueryVariables>;
export const MessageDocument = new TypedDocumentString(`
    query Message($id: ID!) {
  message(id: $id) {
    ...MessageFields
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}`) as unknown as TypedDocumentString<MessageQuery, MessageQueryVariables>;
export const SendSeenStatusDocument = new TypedDocumentString(`
    mutation SendSeenStatus($toJid: ID!, $messageId: ID!) {
  sendSeenStatus(toJid: $toJid, messageId: $messageId)
}
    `) as unknown as TypedDocumentString<SendSeenStatusMutation, SendSeenStatusMutationVariables>;
export const SendTypingStatusDocument = new TypedDocumentString(`
    mutation SendTypingStatus($toJid: ID!) {
  sendTypingStatus(toJid: $toJid)
}
    `) as unknown as TypedDocumentString<SendTypingStatusMutation, SendTypingStatusMutationVariables>;
export const SendTypingGoneStatusDocument = new TypedDocumentString(`
    mutation SendTypingGoneStatus($toJid: ID!) {
  sendTypingGoneStatus(toJid: $toJid)
}
    `) as unknown as TypedDocumentString<SendTypingGoneStatusMutation, SendTypingGoneStatusMutationVariables>;
export const FavouriteMessagesDocument = new TypedDocumentString(`
    query FavouriteMessages {
  favouriteMessages {
    ...MessageFields
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}`) as unknown as TypedDocumentString<FavouriteMessagesQuery, FavouriteMessagesQueryVariables>;
export const UpdateFavouriteStatusDocument = new TypedDocumentString(`
    mutation UpdateFavouriteStatus($toJid: ID!, $messageId: ID!, $isFavourite: Boolean!) {
  updateFavouriteStatus(
    toJid: $toJid
    messageId: $messageId
    isFavourite: $isFavourite
  )
}
    `) as unknown as TypedDocumentString<UpdateFavouriteStatusMutation, UpdateFavouriteStatusMutationVariables>;
export const RemoveAllFavouriteMessagesDocument = new TypedDocumentString(`
    mutation RemoveAllFavouriteMessages {
  removeAllFavouriteMessages
}
    `) as unknown as TypedDocumentString<RemoveAllFavouriteMessagesMutation, RemoveAllFavouriteMessagesMutationVariables>;
export const DeleteMessagesForMeDocument = new TypedDocumentString(`
    mutation DeleteMessagesForMe($toJid: ID!, $messageIds: [ID!]!) {
  deleteMessagesForMe(toJid: $toJid, messageIds: $messageIds)
}
    `) as unknown as TypedDocumentString<DeleteMessagesForMeMutation, DeleteMessagesForMeMutationVariables>;
export const DeleteMessagesForEveryoneDocument = new TypedDocumentString(`
    mutation DeleteMessagesForEveryone($toJid: ID!, $messageIds: [ID!]!) {
  deleteMessagesForEveryone(toJid: $toJid, messageIds: $messageIds)
}
    `) as unknown as TypedDocumentString<DeleteMessagesForEveryoneMutation, DeleteMessagesForEveryoneMutationVariables>;
export const MessageReceivedDocument = new TypedDocumentString(`
    subscription MessageReceived($afterRowId: ID) {
  messageReceived(afterRowId: $afterRowId) {
    ...MessageFields
  }
}
    fragment MediaFields on MediaInfo {
  fileName
  fileSize
  fileToken
  mimeType
  url
  caption
  duration
  width
  height
  thumbImage
}
fragment MessageFields on Message {
  id
  rowId
  chatType
  chatJid
  fromJid
  toJid
  type
  text
  media {
    ...MediaFields
  }
  replyTo {
    id
    fromJid
    type
    text
  }
  mentionedUserJids
  isForwarded
  isDeletedForEveryone
  isFavourite
  isMuted
  status
  createdAt
}`) as unknown as TypedDocumentString<MessageReceivedSubscription, MessageReceivedSubscriptionVariables>;
export const MessageStatusUpdatedDocument = new TypedDocumentString(`
    subscription MessageStatusUpdated {
  messageStatusUpdated {
    ...ReceiptFields
  }
}
    fragment ReceiptFields on Receipt {
  messageId
  chatJid
  userJid
  status
  at
}`) as unknown as TypedDocumentString<MessageStatusUpdatedSubscription, MessageStatusUpdatedSubscriptionVariables>;
export const MessagesDeletedDocument = new TypedDocumentString(`
    subscription MessagesDeleted {
  messagesDeleted {
    chatJid
    messageIds
    byJid
    at
  }
}
    `) as unknown as TypedDocumentString<MessagesDeletedSubscription, MessagesDeletedSubscriptionVariables>;
export const TypingStatusDocument = new TypedDocumentString(`
    subscription TypingStatus($jid: ID) {
  typingStatus(jid: $jid) {
    chatJid
    fromJid
    state
    at
  }
}
    `) as unknown as TypedDocumentString<TypingStatusSubscription, TypingStatusSubscriptionVariables>;
export const MyProfileDocument = new TypedDocumentString(`
    query MyProfile {
  myProfile {
    ...ProfileFields
  }
}
    fragment ProfileFields on UserProfile {
  jid
  username
  nickname
  status
  image
  gender
  birthday
  email
  mobileNumber
  location
  language
  level
  role
  messageSettings
  allowType
  adminForbidType
  customFields {
    key
    value
  }
  isOnline
  lastSeenAt
  updatedAt
}`) as unknown as TypedDocumentString<MyProfileQuery, MyProfileQueryVariables>;
export const UserProfilesDocument = new TypedDocumentString(`
    query UserProfiles($jids: [ID!]!) {
  userProfiles(jids: $jids) {
    ...ProfileFields
  }
}
    fragment ProfileFields on UserProfile {
  jid
  username
  nickname
  status
  image
  gender
  birthday
  email
  mobileNumber
  location
  language
  level
  role
  messageSettings
  allowType
  adminForbidType
  customFields {
    key
    value
  }
  isOnline
  lastSeenAt
  updatedAt
}`) as unknown as TypedDocumentString<UserProfilesQuery, UserProfilesQueryVariables>;
export const ProfilesDocument = new TypedDocumentString(`
    query Profiles($sort: ProfileSort, $limit: Int) {
  profiles(sort: $sort, limit: $limit) {
    ...ProfileFields
  }
}
    fragment ProfileFields on UserProfile {
  jid
  username
  nickname
  status
  image
  gender
  birthday
  email
  mobileNumber
  location
  language
  level
  role
  messageSettings
  allowType
  adminForbidType
  customFields {
    key
    value
  }
  isOnline
  lastSeenAt
  updatedAt
}`) as unknown as TypedDocumentString<ProfilesQuery, ProfilesQueryVariables>;
export const SetUserProfileDocument = new TypedDocumentString(`
    mutation SetUserProfile($input: ProfileInput!) {
  setUserProfile(input: $input) {
    ...ProfileFields
  }
}
    fragment ProfileFields on UserProfile {
  jid
  username
  nickname
  status
  image
  gender
  birthday
  email
  mobileNumber
  location
  language
  level
  role
  messageSettings
  allowType
  adminForbidType
  customFields {
    key
    value
  }
  isOnline
  lastSeenAt
  updatedAt
}`) as unknown as TypedDocumentString<SetUserProfileMutation, SetUserProfileMutationVariables>;
export const DeleteUserProfilePictureDocument = new TypedDocumentString(`
    mutation DeleteUserProfilePicture {
  deleteUserProfilePicture {
    ...ProfileFields
  }
}
    fragment ProfileFields on UserProfile {
  jid
  username
  nickname
  status
  image
  gender
  birthday
  email
  mobileNumber
  location
  language
  level
  role
  messageSettings
  allowType
  adminForbidType
  customFields {
    key
    value
  }
  isOnline
  lastSeenAt
  updatedAt
}`) as unknown as TypedDocumentString<DeleteUserProfilePictureMutation, DeleteUserProfilePictureMutationVariables>;
export const UserProfileUpdatedDocument = new TypedDocumentString(`
    subscription UserProfileUpdated {
  userProfileUpdated {
    ...ProfileFields
  }
}
    fragment ProfileFields on UserProfile {
  jid
  username
  nickname
  status
  image
  gender
  birthday
  email
  mobileNumber
  location
  language
  level
  role
  messageSettings
  allowType
  adminForbidType
  customFields {
    key
    value
  }
  isOnline
  lastSeenAt
  updatedAt
}`) as unknown as TypedDocumentString<UserProfileUpdatedSubscription, UserProfileUpdatedSubscriptionVariables>;