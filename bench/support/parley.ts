// A Parley server as the bench sees it: GraphQL over HTTP with fetch, users made through
// `register`, and messageReceived subscriptions over graphql-ws.
import { randomUUID } from "node:crypto";
import { createClient, type Client } from "graphql-ws";
import { SignJWT } from "jose";
import pg from "pg";
import WebSocket from "ws";
import { JWT_SECRET } from "./environment.js";
import { postJson } from "./http.js";

export interface BenchUser {
  id: number;
  username: string;
  jid: string;
  token: string;
}

export class ParleyHttp {
  readonly graphqlUrl: string;

  constructor(readonly url: string) {
    this.graphqlUrl = `${url}/graphql`;
  }

  /** The data of an operation that must succeed. */
  async gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    const { status, body } = await postJson<{ data?: T; errors?: unknown[] }>(
      this.url,
      "/graphql",
      { query, variables },
      { accept: "application/graphql-response+json, application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    );
    if (body.errors?.length || !body.data) throw new Error(`${status}: ${JSON.stringify(body.errors)}`);
    return body.data;
  }
}

/**
 * Registers users through the API (each costs one scrypt on the server, so a few at a time).
 * Tokens are signed here with the server's JWT_SECRET instead of calling `connect`, which would
 * cost a second scrypt per user and nothing the bench measures; the claims are those TokenSigner
 * issues (iss parley, sub = user id, username, jti).
 */
export async function registerUsers(http: ParleyHttp, databaseUrl: string, usernames: string[], concurrency = 6): Promise<BenchUser[]> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < usernames.length) {
        const username = usernames[next++]!;
        await http.gql(`mutation ($u: String!) { register(userIdentifier: $u) { userJid } }`, { u: username });
      }
    }),
  );
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const ids = new Map<string, number>();
  try {
    const { rows } = await db.query<{ id: number; username: string }>(`SELECT id, username FROM users WHERE username = ANY($1)`, [
      usernames.map((u) => u.toLowerCase()),
    ]);
    for (const r of rows) ids.set(r.username, Number(r.id));
  } finally {
    await db.end();
  }
  const key = new TextEncoder().encode(JWT_SECRET);
  return Promise.all(
    usernames.map(async (name) => {
      const username = name.toLowerCase();
      const id = ids.get(username);
      if (id === undefined) throw new Error(`user ${username} was not registered`);
      const token = await new SignJWT({ username })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuer("parley")
        .setSubject(String(id))
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime("2h")
        .sign(key);
      return { id, username, jid: `${username}@localhost`, token };
    }),
  );
}

export const SEND_TEXT = `mutation ($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id rowId } }`;
const MESSAGE_RECEIVED = `subscription { messageReceived { id rowId fromJid } }`;

/**
 * One graphql-ws connection with a messageReceived subscription; onMessage gets each message id.
 * Resolves once the socket is acknowledged (the subscription goes live a moment later: callers
 * confirm it with a first message).
 */
export async function subscribeMessages(wsUrl: string, token: string, onMessage: (id: string) => void): Promise<Client> {
  let acknowledged!: () => void;
  let failed!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    acknowledged = resolve;
    failed = reject;
  });
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
    on: { connected: () => acknowledged(), error: (e) => failed(e) },
  });
  client.subscribe<{ messageReceived: { id: string } }>(
    { query: MESSAGE_RECEIVED },
    {
      next: (result) => {
        if (result.data) onMessage(result.data.messageReceived.id);
        else console.error("messageReceived error", JSON.stringify(result.errors));
      },
      error: (e) => console.error("messageReceived failed", e),
      complete: () => undefined,
    },
  );
  await ready;
  return client;
}

/** The floor's subscription: a plain WebSocket that gets each message as JSON. */
export async function subscribeFloor(wsUrl: string, userId: number, onMessage: (id: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(`${wsUrl}?user=${userId}`);
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.on("message", (data) => {
      const m = JSON.parse(data.toString()) as { id?: string; subscribed?: number };
      if (m.subscribed !== undefined) resolve();
      else onMessage(m.id!);
    });
  });
  return socket;
}
