// The real entry point (src/main.ts), compiled, in a child process: started with an environment,
// its JSON log lines awaited, killed at the end of the file (test/shutdown.test.ts,
// test/announce-crash.test.ts).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { Waiter } from "./clients.js";
import { type Endpoint, TEST_JWT_SECRET, tempDataDir } from "./server.js";

export const root = join(fileURLToPath(import.meta.url), "../../..");

type LogLine = Record<string, unknown> & { msg?: string };

const running = new Set<ChildProcess>();

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
});

/**
 * Compiles the server into node_modules/.cache/<name> (beside node_modules, so that the compiled
 * server resolves its packages) and returns the directory; a name per test file, as files run in parallel.
 */
export function buildServer(name: string): string {
  const build = join(root, "node_modules/.cache", name);
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", build], { cwd: root, stdio: "inherit" });
  return build;
}

/** Spawns build/main.js and registers the child, which the file's end kills if still running. */
export function spawnServer(build: string, env: Record<string, string | undefined>, stdio: "pipe" | "inherit" = "inherit"): ChildProcess {
  const child = spawn(process.execPath, [join(build, "main.js")], { cwd: root, env, stdio: ["ignore", "pipe", stdio] });
  running.add(child);
  return child;
}

export class ServerProcess implements Endpoint {
  readonly log = new Waiter<LogLine>();
  readonly exited: Promise<number | null>;
  graphqlUrl = "";
  wsUrl = "";

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        this.log.push(JSON.parse(line) as LogLine);
      } catch {
        this.log.push({ msg: line });
      }
    });
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  static async start(build: string, env: Record<string, string | undefined>): Promise<ServerProcess> {
    const child = spawnServer(build, {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      JWT_SECRET: TEST_JWT_SECRET,
      DATA_DIR: tempDataDir(),
      SHUTDOWN_TIMEOUT_MS: "20000",
      // As startServer does: the test database's name keeps its Redis keys and channels apart.
      REDIS_NAMESPACE: process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL).pathname.slice(1) : undefined,
      // As startServer does: sign-ups from this one address are not what is tested here.
      RATE_LIMIT_ANONYMOUS: "0",
      ...env,
    });
    const server = new ServerProcess(child);
    const listening = await server.waitForLog((l) => l.msg === "parley is listening", "the server to listen");
    server.graphqlUrl = String(listening.url);
    server.wsUrl = server.graphqlUrl.replace(/^http/, "ws");
    return server;
  }

  waitForLog(predicate: (line: LogLine) => boolean, what: string): Promise<LogLine> {
    return this.log.waitFor(predicate, 15_000, what);
  }

  /** Sends SIGTERM and waits until the server has begun to shut down. */
  async terminate(): Promise<void> {
    this.child.kill("SIGTERM");
    await this.waitForLog((l) => l.msg === "shutting down", "the shutdown to begin");
  }
}
