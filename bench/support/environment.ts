// Where the bench runs: the PostgreSQL server it creates throw-away databases on, the Redis it
// shares with the servers, and child processes (Parley and the floor) on free loopback ports.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** The PostgreSQL server (any database on it; the bench connects to "postgres" to create its own). */
export const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
export const JWT_SECRET = randomBytes(32).toString("hex");

export function databaseUrl(name: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops (if left from an earlier run) and creates a database. */
export async function freshDatabase(name: string): Promise<string> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A bench stopped by a signal ends by process.exit, so that "exit" runs and takes the servers it
 * started with it (startChild): killed without a handler, node emits no "exit", and they stayed.
 */
function exitOnSignals(): void {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) process.once(signal, () => process.exit(code));
}
exitOnSignals();

export interface Child {
  name: string;
  url: string;
  process: ChildProcess;
  /** CPU time (user + system, ms) the process used so far, from /proc. */
  cpuMs(): number;
  /** The inspector's loopback port, when started with `inspect`. */
  inspectPort?: number;
  stop(): Promise<void>;
}

/** Starts a node script on a free port and waits until GET readyPath answers 200. */
export async function startChild(options: {
  name: string;
  script: string;
  env: Record<string, string | undefined>;
  nodeArgs?: string[];
  readyPath: string;
  /** Open the inspector on a free loopback port (for memory readings after a GC). */
  inspect?: boolean;
}): Promise<Child> {
  const port = await freePort();
  const inspectPort = options.inspect ? await freePort() : undefined;
  const inspectArgs = inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${inspectPort}`];
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${options.name}-`));
  const child = spawn(process.execPath, [...inspectArgs, ...(options.nodeArgs ?? []), options.script], {
    env: { ...process.env, ...options.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // However the bench ends (an unhandled rejection skips every finally; a signal, see
  // exitOnSignals), no server outlives it.
  const orphaned = () => child.kill("SIGKILL");
  process.once("exit", orphaned);
  void exited.then(() => process.off("exit", orphaned));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode} while starting`);
    try {
      if ((await fetch(url + options.readyPath)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${options.name} did not become ready within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: options.name,
    url,
    process: child,
    cpuMs: () => processCpuMs(child.pid!),
    inspectPort,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits (up to 60 s) until the servers are idle: each child used under 5 % of a core over half a
 * second, and no other PostgreSQL backend is running a statement. A run must not start while the
 * previous one's work goes on (Parley writes DELIVERED receipts seconds after a group burst was
 * delivered): it would be measured on a busy machine, and the earlier target's figures flattered.
 * Returns the seconds waited.
 */
export async function quiet(children: readonly Child[]): Promise<number> {
  const start = Date.now();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    while (Date.now() - start < 60_000) {
      const before = children.map((c) => c.cpuMs());
      await new Promise((r) => setTimeout(r, 500));
      const busy = children.some((c, i) => c.cpuMs() - before[i]! > 25);
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      if (!busy && rows[0]!.n === 0) break;
    }
  } finally {
    await client.end();
  }
  return (Date.now() - start) / 1000;
}

/** utime + stime of a process in ms (Linux /proc; clock ticks of 10 ms), or NaN elsewhere. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
