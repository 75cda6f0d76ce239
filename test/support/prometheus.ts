// Reads /metrics with a Prometheus text-format parser and looks samples up by name and labels.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import type { TestServer } from "./server.js";

export interface MetricFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[];
}

export class Scrape {
  constructor(readonly families: MetricFamily[]) {}

  family(name: string): MetricFamily {
    const family = this.families.find((f) => f.name === name);
    if (!family) throw new Error(`no metric ${name} in /metrics; have ${this.families.map((f) => f.name).join(", ")}`);
    return family;
  }

  /** The value of the one sample of name whose labels include labels; 0 when there is none yet. */
  value(name: string, labels: Record<string, string> = {}): number {
    const matching = this.family(name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
    const sample = matching[0];
    if (!sample) return 0;
    return Number(sample.value ?? sample.count);
  }
}

export async function scrape(server: Pick<TestServer, "url">, token?: string): Promise<Scrape> {
  const response = await fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`GET /metrics answered ${type}`);
  return new Scrape(parsePrometheusTextFormat(await response.text()) as MetricFamily[]);
}
