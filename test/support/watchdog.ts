// A test file's event loop, watched from a thread of its own. vitest's timeouts are timers on that
// same loop, so code that never yields to it (a loop going round on resolved promises, a busy
// wait) holds the whole run, silently, until CI's own limit. Once the loop has missed its beats
// for WATCHDOG_STALL_MS, the watchdog prints the test under way and where the main thread spends
// its time (a second of its CPU profile, through the inspector), then ends the process: vitest
// reports the file as failed and goes on with the next.
import { Worker } from "node:worker_threads";

const STALL_MS = Number(process.env.WATCHDOG_STALL_MS ?? 120_000);
const BEAT_MS = 1000;

// Plain JavaScript, run in the thread (eval): it needs none of the test's modules.
const WATCHER = `
const { workerData, parentPort } = require("node:worker_threads");
const { Session } = require("node:inspector");
const { writeSync } = require("node:fs");
const { beats, stallMs } = workerData;
let test = "(no test yet: loading the file)";
parentPort.on("message", (name) => { test = name; });
let last = Atomics.load(beats, 0);
let lastChange = Date.now();
const timer = setInterval(() => {
  const now = Atomics.load(beats, 0);
  if (now !== last) { last = now; lastChange = Date.now(); return; }
  if (Date.now() - lastChange < stallMs) return;
  clearInterval(timer);
  // Straight to the file descriptor: a thread's process.stderr goes through the stuck main thread.
  const say = (text) => writeSync(2, "[watchdog] " + text + "\\n");
  say("the event loop has not turned for " + Math.round((Date.now() - lastChange) / 1000) + " s, in: " + test);
  const end = () => process.kill(process.pid, "SIGKILL");
  setTimeout(end, 5000);
  try {
    const session = new Session();
    session.connectToMainThread();
    // A second of the main thread's CPU profile: a loop on promises shows as the functions it
    // goes round through (a single paused stack may catch it between two turns).
    session.post("Profiler.enable", () =>
      session.post("Profiler.start", () =>
        setTimeout(() =>
          session.post("Profiler.stop", (error, result) => {
            if (error) return say("no profile: " + error.message), end();
            const nodes = result.profile.nodes.filter((n) => n.hitCount > 0 && n.callFrame.url !== "");
            nodes.sort((a, b) => b.hitCount - a.hitCount);
            say("where it spends its time (samples, function, file:line):");
            for (const { hitCount, callFrame: f } of nodes.slice(0, 8)) say("  " + hitCount + "  " + (f.functionName || "<anonymous>") + "  " + f.url + ":" + (f.lineNumber + 1));
            end();
          }),
        1000),
      ),
    );
  } catch (error) {
    say("no profile: " + error);
    end();
  }
}, 1000);
`;

/** Starts watching this process's event loop; tell() names the test under way. */
export function startWatchdog(): { tell(test: string): void } {
  const beats = new Int32Array(new SharedArrayBuffer(4));
  setInterval(() => Atomics.add(beats, 0, 1), BEAT_MS).unref();
  const worker = new Worker(WATCHER, { eval: true, workerData: { beats, stallMs: STALL_MS } });
  worker.unref();
  return { tell: (test) => worker.postMessage(test) };
}
