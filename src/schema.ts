// The one TypeGraphQL schema, built once per process (resolvers are stateless: services come
// from the context), and its printed form for schema/schema.graphql. Part of the composition
// root: the one list that names every feature's resolvers.
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { ChatResolver } from "./chats/chat.resolver.js";
import { GroupEventResolver, GroupResolver } from "./groups/group.resolver.js";
import { IdentityResolver } from "./identity/identity.resolver.js";
import { MediaResolver } from "./media/media.resolver.js";
import { MediaMessageResolver } from "./messages/media-message.resolver.js";
import { MessageResolver, ReceiptResolver } from "./messages/message.resolver.js";
import { ProfileResolver } from "./profiles/profile.resolver.js";
import { SyncResolver } from "./sync/sync.resolver.js";
import { DateTimeScalar } from "./graphql/scalars.js";
import { validateArgument } from "./graphql/validation.js";

let built: Promise<GraphQLSchema> | undefined;

/**
 * TypeGraphQL insists on a PubSub when there are subscriptions, but every subscription here
 * subscribes itself (`subscribe:` through the context's PubSub, which differs per server), so
 * this one is never used.
 */
const noSchemaPubSub = {
  publish(): never {
    throw new Error("publish through the context's PubSub");
  },
  subscribe(): never {
    throw new Error("subscriptions here declare subscribe:");
  },
};

export function parleySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [IdentityResolver, ProfileResolver, MessageResolver, ReceiptResolver, MediaMessageResolver, MediaResolver, ChatResolver, GroupResolver, GroupEventResolver, SyncResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validateFn: validateArgument,
    pubSub: noSchemaPubSub,
    emitSchemaFile: false,
  });
  return built;
}

export async function printedSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await parleySchema()))}\n`;
}
