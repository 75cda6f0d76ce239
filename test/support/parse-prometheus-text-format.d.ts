// The package ships no types; its result is typed where it is read (prometheus.ts).
declare module "parse-prometheus-text-format" {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
