// One operation's outcome, counted in the metrics and logged once, the same way on both doors:
// "operation completed" for one that ran, "operation refused" for one stopped before it ran
// (syntax, validation, limits, rate limit), "subscription started" for an event stream. Its
// unexpected errors are logged, and their masked form carries its request id, here too.
import type { GraphQLFormattedError, OperationDefinitionNode } from "graphql";
import type { Logger } from "pino";
import { logUnexpected } from "../graphql/errors.js";
import type { Transport } from "../graphql/operation.js";
import { type Metrics, operationLabel, outcomeOf, secondsSince } from "./metrics.js";

export class OperationOutcome {
  /** "unknown" until the operation is resolved. */
  type = "unknown";
  label = operationLabel(null);
  private outcome = "ok";
  private ran = false;
  private readonly started = process.hrtime.bigint();

  constructor(
    private readonly metrics: Metrics,
    private readonly transport: Transport,
    private readonly request: { log: Logger; requestId: string },
  ) {}

  get log(): Logger {
    return this.request.log;
  }

  resolved(operation: OperationDefinitionNode): void {
    this.type = operation.operation;
    this.label = operationLabel(operation);
  }

  /** The operation passed every check and runs. */
  running(): void {
    this.ran = true;
  }

  /** Errors as raised, before formatError: the unexpected ones are logged, once. */
  encountered(errors: readonly unknown[]): void {
    logUnexpected(this.request.log, errors);
  }

  /**
   * Errors as sent, after formatError: a masked one, or an outage, gets the request id, so that a
   * report can be matched to the log; the first error decides the outcome.
   */
  sent(errors: readonly GraphQLFormattedError[] | undefined): void {
    for (const e of errors ?? []) {
      const code = e.extensions?.code;
      if (code === "INTERNAL_SERVER_ERROR" || code === "SERVICE_UNAVAILABLE") (e.extensions as Record<string, unknown>).requestId = this.request.requestId;
    }
    if (this.outcome === "ok") this.outcome = outcomeOf(errors);
  }

  /** The operation's result, or its refusal, has been sent. Subscriptions are not timed: they last as long as the client wants. */
  ended(): void {
    const seconds = secondsSince(this.started);
    this.metrics.operationEnded(this.transport, this.type, this.label, this.outcome, this.type === "subscription" ? undefined : seconds);
    // Every operation passes here: its log line is built only when someone reads it.
    const log = this.log;
    if (!log.isLevelEnabled("info")) return;
    const fields = { operation: this.label, type: this.type, outcome: this.outcome, responseTime: seconds * 1000 };
    log.info(fields, this.ran ? "operation completed" : "operation refused");
  }

  /** A subscription's event stream is open: it counts as started, and among the active ones until streamEnded. */
  streamStarted(): void {
    this.metrics.operationEnded(this.transport, this.type, this.label, "ok");
    this.metrics.subscriptionOpened(this.label);
    this.log.info({ operation: this.label }, "subscription started");
  }

  streamEvent(): void {
    this.metrics.subscriptionEvent(this.label);
  }

  streamEnded(): void {
    this.metrics.subscriptionClosed(this.label);
    this.log.debug({ operation: this.label }, "subscription ended");
  }
}
