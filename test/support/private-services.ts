// A PostgreSQL cluster and a Redis server of one test's own, on free ports, that the test may stop
// and start again (the shared ones never are). Every one started is stopped, and its files
// removed, by stopPrivateServices(), also when the test failed.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { freePort } from "../../bench/support/environment.js";

const run = promisify(execFile);

/** The newest PostgreSQL's programs (Debian's layout), or undefined when none is installed. */
function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  let versions: string[];
  try {
    versions = readdirSync(root).filter((v) => /^\d+$/.test(v));
  } catch {
    return undefined;
  }
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, "bin") : undefined;
}

const started = new Set<{ destroy(): Promise<void> }>();

/** Stops every private server still running and removes their files. */
export async function stopPrivateServices(): Promise<void> {
  await Promise.all([...started].map((s) => s.destroy()));
}

/**
 * A PostgreSQL cluster in a temporary directory. PostgreSQL refuses to run as root: as root the
 * programs run as the postgres user, who then owns the directory.
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** postgres:// URL of the cluster's postgres database, trusted on 127.0.0.1. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBin();
    if (!bin) throw new Error("no PostgreSQL under /usr/lib/postgresql/*/bin: cannot start a private cluster");
    const dir = mkdtempSync(join(tmpdir(), "parley-pg-"));
    const cluster = new PrivatePostgres(bin, dir, await freePort());
    started.add(cluster);
    if (process.getuid?.() === 0) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: gid } = await run("id", ["-g", "postgres"]);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await cluster.pg("initdb", ["-D", join(dir, "data"), "-U", "postgres", "-A", "trust", "--no-sync", "--no-instructions"]);
    await cluster.resume();
    return cluster;
  }

  /** Starts the cluster (again) and waits until it takes connections. */
  async resume(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`;
    await this.pg("pg_ctl", ["start", "-D", join(this.dir, "data"), "-l", join(this.dir, "log"), "-o", options, "-w", "-t", "60"]);
  }

  /** Stops it as an operator's restart does (fast: open sessions are ended with 57P01) and waits until it is down. */
  async stop(): Promise<void> {
    await this.pg("pg_ctl", ["stop", "-D", join(this.dir, "data"), "-m", "fast", "-w", "-t", "60"]);
  }

  async destroy(): Promise<void> {
    started.delete(this);
    // Also when not known to run: a start that timed out may have left the server up.
    await this.pg("pg_ctl", ["stop", "-D", join(this.dir, "data"), "-m", "immediate", "-w", "-t", "60"]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pg(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    // Asynchronously: the server under test runs in this process and must keep answering.
    if (process.getuid?.() === 0) await run("runuser", ["-u", "postgres", "--", path, ...args], { timeout: 90_000 });
    else await run(path, args, { timeout: 90_000 });
  }
}

/** A Redis server without persistence on a free port. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = await PrivateRedis.reserve();
    await redis.resume();
    return redis;
  }

  /** One on a free port, not started yet: a server can be pointed at it before it exists. */
  static async reserve(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    started.add(redis);
    return redis;
  }

  /** Starts it (again, on the same port, when stopped) and waits until it accepts connections. */
  async resume(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.child = child;
    const output = createInterface({ input: child.stdout! });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server on ${this.port} not ready within 15 s`)), 15_000);
        output.on("line", (line) => {
          if (!line.includes("Ready to accept connections")) return;
          clearTimeout(timer);
          resolve();
        });
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server on ${this.port} exited with ${code}`));
        });
      });
    } finally {
      // Its later lines are not read, but must be drained: a full pipe would stall it.
      output.removeAllListeners("line");
    }
  }

  /** Stops it and waits until the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  async destroy(): Promise<void> {
    started.delete(this);
    await this.stop();
  }
}
