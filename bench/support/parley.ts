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
  return tokensFor(databaseUrl, usernames);
}

/** Bench tokens for existing users, signed here with the server's JWT_SECRET. */
async function tokensFor(databaseUrl: string, usernames: string[]): Promise<BenchUser[]> {
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

/**
 * Many users at once for workloads that only need them to exist (idle sockets): the first is
 * registered through the API, the rest are copies of its rows made by one INSERT … SELECT each
 * (users, then profiles), so thousands cost no scrypt apiece. Tokens as in registerUsers.
 */
export async function copyUsers(http: ParleyHttp, databaseUrl: string, prefix: string, count: number): Promise<BenchUser[]> {
  const [template] = await registerUsers(http, databaseUrl, [`${prefix}0`]);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const names = Array.from({ length: count - 1 }, (_, i) => `${prefix}${i + 1}`.toLowerCase());
    await db.query(
      `INSERT INTO users (username, password_hash, is_sandbox)
       SELECT n, u.password_hash, u.is_sandbox FROM users u, unnest($2::text[]) AS n WHERE u.id = $1`,
      [template!.id, names],
    );
    await db.query(
      `INSERT INTO profiles (user_id, custom_fields, updated_at)
       SELECT u.id, p.custom_fields, now() FROM users u, profiles p WHERE u.username = ANY($2) AND p.user_id = $1`,
      [template!.id, names],
    );
  } finally {
    await db.end();
  }
  const rest = Array.from({ length: count - 1 }, (_, i) => `${prefix}${i + 1}`);
  return [template!, ...(await tokensFor(databaseUrl, rest))];
}

export const SEND_TEXT = `mutation ($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id rowId } }`;
const MESSAGE_RECEIVED = `subscription { messageReceived { id rowId fromJid } }`;

/** A graphql-ws connection of this user, resolved once the server acknowledged it. */
export async function openSocket(wsUrl: string, token: string): Promise<Client> {
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
  await ready;
  return client;
}

/**
 * One graphql-ws connection with a messageReceived subscription; onMessage gets each message id.
 * Resolves once the socket is acknowledged (the subscription goes live a moment later: callers
 * confirm it with a first message).
 */
export async function subscribeMessages(wsUrl: string, token: string, onMessage: (id: string) => void): Promise<Client> {
  const client = await openSocket(wsUrl, token);
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
