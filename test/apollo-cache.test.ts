// Apollo Client 4 (HttpLink + GraphQLWsLink, no type policies) against a real server: its normalised cache keeps one copy per id, so subscription events update what earlier queries show.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import { Kind, OperationTypeNode } from "graphql";
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import {
  MessageStatusUpdatedDocument,
  type MessageStatusUpdatedSubscription,
  RecentChatsDocument,
  SendTextMessageDocument,
  UserProfilesDocument,
  UserProfileUpdatedDocument,
  type UserProfileUpdatedSubscription,
} from "../client/generated/graphql.js";
import { ok, Waiter } from "./support/clients.js";
import { registerUsers, sendText, type TestUser } from "./support/fixtures.js";
import { backendName, type Endpoint, startServer } from "./support/server.js";

const WAIT_MS = 10_000;
/** How long one attempt waits for its event before the next is triggered (the server starts listening a little after the client subscribes). */
const ATTEMPT_MS = 300;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An Apollo Client for a user as a frontend would build it: queries over HTTP, subscriptions over graphql-ws. */
function apolloFor(server: Endpoint, user: TestUser): ApolloClient {
  const ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${user.token}` } });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
    },
    new GraphQLWsLink(ws),
    new HttpLink({ uri: server.graphqlUrl, headers: { authorization: `Bearer ${user.token}` } }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  cleanups.push(async () => {
    client.stop();
    await ws.dispose();
  });
  return client;
}

/** The cache's normalised objects by cache id. */
const cached = (client: ApolloClient) => client.cache.extract() as Record<string, Record<string, unknown>>;

/** Subscribes through Apollo and records every result's data. */
function listen<T>(client: ApolloClient, query: Parameters<ApolloClient["subscribe"]>[0]["query"]): Waiter<T> {
  const heard = new Waiter<T>();
  const subscription = client.subscribe({ query }).subscribe({ next: (result) => result.data && heard.push(result.data as T) });
  cleanups.push(() => subscription.unsubscribe());
  return heard;
}

/** Triggers until the subscription hears what it should: a trigger before the server listens is lost. */
async function untilHeard<T>(heard: Waiter<T>, trigger: (attempt: number) => Promise<(item: T) => boolean>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const predicate = await trigger(attempt);
    try {
      return await heard.waitFor(predicate, Math.max(1, Math.min(ATTEMPT_MS, deadline - Date.now())), what);
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
  }
}

const setNickname = (server: Endpoint, user: TestUser, nickname: string) =>
  ok(server, `mutation($n: String) { setUserProfile(input: { nickname: $n }) { jid } }`, { n: nickname }, { token: user.token });

describe(`Apollo Client's cache without type policies (${backendName})`, () => {
  it("a contact's profile change heard by userProfileUpdated updates the profile earlier queries show", async () => {
    const server = await startServer();
    const [alice, bob] = await registerUsers(server, 2);
    await sendText(server, bob, alice, "hi Alice"); // bob becomes one of Alice's contacts
    const apollo = apolloFor(server, alice);

    const before = await apollo.query({ query: UserProfilesDocument, variables: { jids: [bob.jid] } });
    expect(before.data?.userProfiles[0]).toMatchObject({ id: bob.jid, jid: bob.jid, nickname: null });
    const chats = await apollo.query({ query: RecentChatsDocument });
    expect(chats.data?.recentChats.map((c) => c.profile?.id)).toEqual([bob.jid]);

    // Alice's own changes prove the subscription live; then Bob's arrives on a listening server.
    const heard = listen<UserProfileUpdatedSubscription>(apollo, UserProfileUpdatedDocument);
    await untilHeard(
      heard,
      async (attempt) => {
        await setNickname(server, alice, `alice ${attempt}`);
        return (d) => d.userProfileUpdated.jid === alice.jid;
      },
      "Alice's own profile event",
    );
    await setNickname(server, bob, "Bobby");
    await heard.waitFor((d) => d.userProfileUpdated.jid === bob.jid && d.userProfileUpdated.nickname === "Bobby", WAIT_MS, "Bob's profile event");

    // Read from the cache only: the queries' results now show the subscription's profile.
    const profiles = apollo.readQuery({ query: UserProfilesDocument, variables: { jids: [bob.jid] } });
    expect(profiles?.userProfiles).toEqual([expect.objectContaining({ id: bob.jid, nickname: "Bobby" })]);
    const cachedChats = apollo.readQuery({ query: RecentChatsDocument });
    expect(cachedChats?.recentChats[0]?.profile).toMatchObject({ id: bob.jid, nickname: "Bobby" });
    // One copy of Bob's profile, whichever query reached it: the chat refers to it.
    expect(cached(apollo)[`RecentChat:${bob.jid}`]).toMatchObject({ profile: { __ref: `UserProfile:${bob.jid}` } });
  });

  it("a receipt heard by messageStatusUpdated updates the status of the message the sender's cache holds", async () => {
    const server = await startServer();
    const [alice, bob] = await registerUsers(server, 2);
    const apollo = apolloFor(server, alice);
    const heard = listen<MessageStatusUpdatedSubscription>(apollo, MessageStatusUpdatedDocument);

    const sentIds: string[] = [];
    const receipt = await untilHeard(
      heard,
      async (attempt) => {
        const sent = await apollo.mutate({ mutation: SendTextMessageDocument, variables: { input: { toJid: bob.jid, messageText: `hello ${attempt}` } } });
        const id = sent.data!.sendTextMessage.id;
        sentIds.push(id);
        expect(cached(apollo)[`Message:${id}`]).toMatchObject({ status: "SENT" });
        await ok(server, `mutation($to: ID!, $m: ID!) { sendSeenStatus(toJid: $to, messageId: $m) }`, { to: alice.jid, m: id }, { token: bob.token });
        return (d) => d.messageStatusUpdated.messageId === id && d.messageStatusUpdated.status === "SEEN";
      },
      "the SEEN receipt",
    );

    const id = receipt.messageStatusUpdated.messageId;
    expect(receipt.messageStatusUpdated).toMatchObject({ id: `${id}/${bob.jid}`, userJid: bob.jid, message: { id, status: "SEEN" } });
    expect(cached(apollo)[`Message:${id}`]).toMatchObject({ id, status: "SEEN", text: `hello ${sentIds.indexOf(id)}` });
  });
});
