// Prometheus metrics: one registry per server, fed at the seams (each operation's outcome on
// either door, ./operation-outcome.ts; the pub/sub wrapper, the database's pool) and served at
// GET /metrics, behind METRICS_TOKEN when one is set.
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { Kind, type OperationDefinitionNode } from "graphql";
import type { PoolStats } from "../db/database.js";
import { bearerToken } from "../graphql/context.js";
import type { Transport } from "../graphql/operation.js";
import type { StageObserver } from "../graphql/stage-clock.js";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** The outcome label of a finished operation: "ok", or the code of its first error. */
export function outcomeOf(errors: readonly { extensions?: { code?: unknown } | undefined }[] | undefined): string {
  const first = errors?.[0];
  if (!first) return "ok";
  return typeof first.extensions?.code === "string" ? first.extensions.code : "INTERNAL_SERVER_ERROR";
}

/**
 * The operation label: the root fields the operation selects (`sendTextMessage`,
 * `chatMessages,recentChats`). Client-chosen operation names would make the label set unbounded;
 * root fields are bounded by the schema and are the API's operations.
 */
export function operationLabel(operation: OperationDefinitionNode | null | undefined): string {
  if (!operation) return "(invalid)";
  const names = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else names.add("(fragment)");
  }
  const label = [...names].sort().join(",");
  return label.length > 120 ? `${label.slice(0, 119)}…` : label;
}

export class Metrics {
  readonly registry = new Registry();

  private readonly operations = new Counter({
    name: "parley_graphql_operations_total",
    help: "GraphQL operations by transport, type, operation (root fields) and outcome (ok or the first error's code); a subscription counts when it starts",
    labelNames: ["transport", "type", "operation", "outcome"] as const,
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: "parley_graphql_operation_duration_seconds",
    help: "Time from receiving a query or mutation to sending its result",
    labelNames: ["transport", "type", "operation"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly subscriptions = new Gauge({
    name: "parley_graphql_active_subscriptions",
    help: "Subscriptions currently open over WebSocket, by operation",
    labelNames: ["operation"] as const,
    registers: [this.registry],
  });

  private readonly subscriptionEvents = new Counter({
    name: "parley_graphql_subscription_events_total",
    help: "Events sent to subscribers, by operation",
    labelNames: ["operation"] as const,
    registers: [this.registry],
  });

  private readonly sockets = new Counter({
    name: "parley_websocket_connections_total",
    help: "WebSocket connections accepted since start",
    registers: [this.registry],
  });

  private readonly socketRefusals = new Counter({
    name: "parley_websocket_refused_total",
    help: "WebSocket connections refused or closed by the server for their credentials or limits, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  private readonly publishes = new Counter({
    name: "parley_pubsub_published_total",
    help: "Events published to pub/sub, by topic kind",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });

  private readonly announcementsPending = new Gauge({
    name: "parley_announcements_pending",
    help: "Stored messages (rowIds) not known to be announced, as this process last saw them (its last message batch or idle-time sweep): their writer died, or the broker refused the announcement",
    registers: [this.registry],
  });

  private readonly announcementsSwept = new Counter({
    name: "parley_announcements_swept_total",
    help: "Stored messages (rowIds) announced late by this process, by a later batch or the idle-time sweeper",
    registers: [this.registry],
  });

  private readonly batchDrafts = new Histogram({
    name: "parley_message_batch_messages",
    help: "Messages (drafts) in each batch the message writer committed and announced; batches take turns, across every process",
    buckets: [1, 2, 5, 10, 25, 50, 100, 256],
    registers: [this.registry],
  });

  private readonly batchSeconds = new Histogram({
    name: "parley_message_batch_seconds",
    help: "Time of each batch the message writer committed and announced, by phase: write (from its start to its COMMIT answered, the sequencer's lock included) and announce (from the commit to its publishes answered)",
    labelNames: ["phase"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  private readonly brokerCatchUps = new Counter({
    name: "parley_broker_catch_ups_total",
    help: "Subscriptions asked to catch up from the database because this process's broker connection dropped and came back",
    registers: [this.registry],
  });

  private readonly httpRequests = new Counter({
    name: "parley_http_requests_total",
    help: "HTTP requests by method, route and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A query or mutation finished, or a subscription started (duration undefined). */
  operationEnded(transport: Transport, type: string, operation: string, outcome: string, seconds?: number): void {
    this.operations.inc({ transport, type, operation, outcome });
    if (seconds !== undefined) this.duration.observe({ transport, type, operation }, seconds);
  }

  subscriptionOpened(operation: string): void {
    this.subscriptions.inc({ operation });
  }

  subscriptionClosed(operation: string): void {
    this.subscriptions.dec({ operation });
  }

  subscriptionEvent(operation: string): void {
    this.subscriptionEvents.inc({ operation });
  }

  socketAccepted(): void {
    this.sockets.inc();
  }

  /** A socket refused at its upgrade or connection_init, or closed later for its token. */
  socketRefused(reason: string): void {
    this.socketRefusals.inc({ reason });
  }

  published(topicKind: string): void {
    this.publishes.inc({ topic: topicKind });
  }

  /** Told by the message writer (messages/message-writer.ts AnnounceObserver). */
  readonly announcements = {
    pending: (rowIds: number) => this.announcementsPending.set(rowIds),
    swept: (rowIds: number) => this.announcementsSwept.inc(rowIds),
    batch: (drafts: number, writeSeconds: number, announceSeconds: number) => {
      this.batchDrafts.observe(drafts);
      this.batchSeconds.observe({ phase: "write" }, writeSeconds);
      this.batchSeconds.observe({ phase: "announce" }, announceSeconds);
    },
  };

  /** The broker connection came back: this many listeners catch up. */
  brokerResumed(listeners: number): void {
    this.brokerCatchUps.inc(listeners);
  }

  /**
   * The histogram of a message's stages (STAGE_TIMINGS, graphql/stage-clock.ts), registered only
   * when the setting is on: without it the series does not exist, rather than sitting at zero.
   */
  messageStages(): StageObserver {
    const histogram = new Histogram({
      name: "parley_message_stage_seconds",
      help: "With STAGE_TIMINGS: time a message's recipient copy took to reach each stage of its path from the stage before (from the door, the request's arrival: resolver, write, commit, broker, render, socket; announce, the publishes answered, runs beside broker and also counts from commit)",
      labelNames: ["stage"] as const,
      // Stages of a quiet server last tens of microseconds to a few milliseconds.
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    return (stage, seconds) => histogram.observe({ stage }, seconds);
  }

  /** Open sockets are read from the WebSocket server whenever /metrics is scraped. */
  watchSockets(openSockets: () => number): void {
    new Gauge({
      name: "parley_websocket_connections",
      help: "WebSocket connections open now",
      registers: [this.registry],
      collect() {
        this.set(openSockets());
      },
    });
  }

  /** The database's pool is read whenever /metrics is scraped. */
  watchDatabase(stats: () => PoolStats): void {
    const gauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["database"] as const,
        registers: [this.registry],
        collect() {
          const s = stats();
          this.set({ database: s.database }, pick(s));
        },
      });
    gauge("parley_db_pool_size", "Database connections open (SQLite: its one connection)", (s) => s.size);
    gauge("parley_db_pool_idle", "Database connections idle (SQLite: 1 while no write runs)", (s) => s.idle);
    gauge("parley_db_pool_waiting", "Callers waiting for a connection (SQLite: writes queued behind the running one)", (s) => s.waiting);
  }

  /** Serves the registry at GET /metrics; with a token, only to `Authorization: Bearer <token>`. */
  registerRoute(fastify: FastifyInstance, token: string | undefined): void {
    fastify.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "(unmatched)";
      this.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    });
    fastify.get("/metrics", async (request, reply) => {
      if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
        return reply.code(401).header("www-authenticate", 'Bearer realm="metrics"').send({ error: "metrics need Authorization: Bearer <METRICS_TOKEN>" });
      }
      return reply.header("content-type", this.registry.contentType).send(await this.registry.metrics());
    });
  }
}

export function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Whether an Authorization header carries the token, compared in constant time. */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = Buffer.from(bearerToken(authorization) ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
