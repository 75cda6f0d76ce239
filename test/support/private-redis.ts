// A Redis of a test's own on a free port, for faults: the test stops it and starts it again,
// never the shared one. Stopped when the test file ends.
import { type ChildProcess, spawn } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll } from "vitest";
import { freePort } from "../../bench/support/environment.js";

export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    started.add(redis);
    await redis.resume();
    return redis;
  }

  /** Starts it (again, when stopped) on the same port and waits until it answers. */
  async resume(): Promise<void> {
    if (this.child && this.child.exitCode === null) return;
    this.child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const probe = new Redis(this.port, "127.0.0.1", { lazyConnect: true, retryStrategy: () => 100, maxRetriesPerRequest: null });
    // Refused until the server listens: retried, not reported.
    probe.on("error", () => undefined);
    try {
      await probe.ping();
    } finally {
      probe.disconnect();
    }
  }

  /** Stops it at once (SIGKILL, as a crash would) and waits until the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}

const started = new Set<PrivateRedis>();

afterAll(async () => {
  await Promise.all([...started].map((r) => r.stop()));
  started.clear();
});
