// @parley/client: the SDK's entry point. The typed documents themselves are in "@parley/client/documents".
export { ParleyClient, type ParleyClientOptions, type ParleyEvents } from "./client.js";
export type { GroupEvent, Group, Message, MessagesDeleted, Receipt, RecentChat, TypingEvent, UserProfile } from "./client.js";
export { type GraphQLErrorBody, ParleyError } from "./errors.js";
export { type ConnectionState, type ReconnectOptions, reconnectDelay } from "./realtime.js";
