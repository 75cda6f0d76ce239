// Real servers on port 0 for tests: on PostgreSQL + Redis when DATABASE_URL and REDIS_URL are
// set, else on the embedded default (a fresh DATA_DIR each). Teardown is registered for the file.
//
// Two processes exist only on PostgreSQL + Redis: the embedded default's pub/sub is in-process
// (and its SQLite file is not for sharing), so a second embedded server would hear nothing of
// the first. Hence two helpers: startTwoProcesses, which refuses to run on the embedded default,
// for tests named for another process (in describe.runIf / it.runIf(onPostgresAndRedis), with
// their subscriptions proven live by test/support/live.ts); and startServerPair, which is two
// processes where there are two and one server twice elsewhere, for behaviour that must hold
// whichever server each user is on. A test on startServerPair runs on one process on the
// embedded default, so its name claims no other process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { type App, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";

/** Shared by every server of a run on Postgres, so that one process accepts another's tokens. */
export const TEST_JWT_SECRET = "parley-test-secret-0123456789abcdef0123456789";

export const onPostgresAndRedis = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
export const backendName = onPostgresAndRedis ? "postgres+redis" : "embedded";

export interface TestServer {
  app: App;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

/** What the clients need of a server: also a server in a child process (test/shutdown.test.ts). */
export type Endpoint = Pick<TestServer, "graphqlUrl" | "wsUrl">;

const running = new Set<TestServer>();
const tempDirs: string[] = [];

/** A fresh DATA_DIR, removed when the test file ends. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "parley-test-"));
  tempDirs.push(dir);
  return dir;
}

/**
 * Starts a server. env overrides the defaults; pass a key as undefined to unset it
 * (e.g. DATABASE_URL: undefined for an embedded server in a Postgres run). options.log replaces
 * the server's logger, for tests that read what it logs.
 */
export async function startServer(env: Record<string, string | undefined> = {}, options: { log?: Logger } = {}): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? tempDataDir();
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    JWT_SECRET: TEST_JWT_SECRET,
    // Runs on other databases may share this Redis: user ids overlap, keys and channels must not.
    REDIS_NAMESPACE: process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL).pathname.slice(1) : undefined,
    // Tests sign up hundreds of users from one address; the limit has tests of its own (limits.test.ts).
    RATE_LIMIT_ANONYMOUS: "0",
    ...env,
    DATA_DIR: dataDir,
  });
  const app = await createApp(config, options.log);
  const url = await app.listen();
  const server: TestServer = {
    app,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, "ws")}/graphql`,
    dataDir,
    async close() {
      running.delete(server);
      await app.close();
    },
  };
  running.add(server);
  return server;
}

/**
 * Two servers for behaviour that holds whichever server a user is on: two processes sharing
 * PostgreSQL and Redis there, one server twice on the embedded default (see the header).
 */
export async function startServerPair(env: Record<string, string | undefined> = {}): Promise<[TestServer, TestServer]> {
  if (!onPostgresAndRedis) {
    const only = await startServer(env);
    return [only, only];
  }
  return startTwoProcesses(env);
}

/** Two server processes sharing PostgreSQL and Redis; throws on the embedded default, which has one. */
export async function startTwoProcesses(env: Record<string, string | undefined> = {}): Promise<[TestServer, TestServer]> {
  if (!onPostgresAndRedis) throw new Error("two server processes need PostgreSQL and Redis (DATABASE_URL and REDIS_URL): run the test with it.runIf(onPostgresAndRedis)");
  const [one, two] = await Promise.all([startServer(env), startServer(env)]);
  return [one, two];
}

export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.close()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
