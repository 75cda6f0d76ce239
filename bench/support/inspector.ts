// The memory of a child process as V8 sees it after a full garbage collection, asked over the
// inspector protocol (the child runs with --inspect on a loopback port): resident-set readings
// alone move by tens of MB with the moment of the last GC, more than what is being measured.
import WebSocket from "ws";

export interface Memory {
  /** Live JavaScript heap after a full GC, bytes. */
  heapUsed: number;
  /** Memory held outside the heap for JavaScript objects (buffers), bytes. */
  external: number;
  /** Resident set, bytes. */
  rss: number;
}

export class Inspector {
  private constructor(
    private readonly socket: WebSocket,
    private nextId = 1,
  ) {}

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    return new Inspector(socket);
  }

  private call<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const on = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as { id?: number; result?: T; error?: { message: string } };
        if (message.id !== id) return;
        this.socket.off("message", on);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result!);
      };
      this.socket.on("message", on);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Collects garbage (twice: what the first frees can let go of more), then reads process.memoryUsage(). */
  async memoryAfterGc(): Promise<Memory> {
    await this.call("HeapProfiler.collectGarbage");
    await this.call("HeapProfiler.collectGarbage");
    const { result } = await this.call<{ result: { value: string } }>("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    });
    const usage = JSON.parse(result.value) as { heapUsed: number; external: number; rss: number };
    return { heapUsed: usage.heapUsed, external: usage.external, rss: usage.rss };
  }

  /**
   * A heap snapshot after a full GC, summed by what V8 calls each object (its constructor or
   * kind: "closure", "system / Context", "(array)"): count and self size, keyed "<type> <name>".
   */
  async heapByClass(): Promise<Map<string, { count: number; bytes: number }>> {
    await this.call("HeapProfiler.collectGarbage");
    const chunks: string[] = [];
    const on = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as { method?: string; params?: { chunk: string } };
      if (message.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(message.params!.chunk);
    };
    this.socket.on("message", on);
    try {
      await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    } finally {
      this.socket.off("message", on);
    }
    const snapshot = JSON.parse(chunks.join("")) as {
      snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
      nodes: number[];
      strings: string[];
    };
    const fields = snapshot.snapshot.meta.node_fields;
    const width = fields.length;
    const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
    const types = snapshot.snapshot.meta.node_types[0];
    const byClass = new Map<string, { count: number; bytes: number }>();
    for (let i = 0; i < snapshot.nodes.length; i += width) {
      const type = types[snapshot.nodes[i + typeAt]!]!;
      const raw = snapshot.strings[snapshot.nodes[i + nameAt]!]!;
      // Strings are named by their content: bucketed by its first characters, digits and hex
      // runs blurred (one bucket for every UUID, every topic name of one kind); code by nothing.
      const name = type.endsWith("string")
        ? raw.slice(0, 24).replace(/[0-9a-f]{4,}/g, "#").replace(/\d+/g, "#")
        : type === "code" || type === "number"
          ? ""
          : raw.slice(0, 60);
      const key = `${type} ${name}`;
      const entry = byClass.get(key) ?? { count: 0, bytes: 0 };
      entry.count += 1;
      entry.bytes += snapshot.nodes[i + sizeAt]!;
      byClass.set(key, entry);
    }
    return byClass;
  }

  close(): void {
    this.socket.close();
  }
}
