// Reads /metrics with a Prometheus text-format parser and looks samples up by name and labels.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import type { TestServer } from "./server.js";

export interface MetricFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[];
}

/** One labelled series of a histogram: how many observations, and their sum. */
export interface HistogramSeries {
  labels: Record<string, string>;
  count: number;
  sum: number;
}

export class Scrape {
  constructor(
    readonly families: MetricFamily[],
    /** The text as served, for what the parser drops. */
    readonly text: string,
  ) {}

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

  /**
   * Every series of a histogram, read from the text: the parser keeps a labelled histogram's
   * buckets (merged across its series) but neither its labels nor its _sum and _count.
   */
  histogramSeries(name: string): HistogramSeries[] {
    const series = new Map<string, HistogramSeries>();
    const line = new RegExp(`^${name}_(sum|count)(?:\\{(.*)\\})? (\\S+)$`);
    for (const text of this.text.split("\n")) {
      const match = line.exec(text);
      if (!match) continue;
      const [, part, labelText = "", value] = match;
      const one = series.get(labelText) ?? { labels: Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!])), count: 0, sum: 0 };
      one[part as "sum" | "count"] = Number(value);
      series.set(labelText, one);
    }
    return [...series.values()];
  }

  /** The one series of a histogram whose labels include labels; count and sum 0 when there is none yet. */
  histogram(name: string, labels: Record<string, string> = {}): HistogramSeries {
    const matching = this.histogramSeries(name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (matching.length > 1) throw new Error(`${matching.length} series of ${name} match ${JSON.stringify(labels)}`);
    return matching[0] ?? { labels, count: 0, sum: 0 };
  }
}

export async function scrape(server: Pick<TestServer, "url">, token?: string): Promise<Scrape> {
  const response = await fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`GET /metrics answered ${type}`);
  const text = await response.text();
  return new Scrape(parsePrometheusTextFormat(text) as MetricFamily[], text);
}
