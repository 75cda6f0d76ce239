// A logger that keeps what the server logs, for tests that read it (startServer's options.log).
import { pino } from "pino";

export interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  connId?: string;
  err?: { message: string; type: string };
  [field: string]: unknown;
}

/** pino at info, writing each line parsed into lines. */
export function capturingLogger(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}
