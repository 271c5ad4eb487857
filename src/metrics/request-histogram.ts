import type { Registry } from 'prom-client';

/** One label set's buckets (not cumulative), sum and count. */
interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram with one label, observed on every request: a bucket search and
 * three additions, no allocation and no hashing of label values (prom-client's Histogram
 * hashes the labels on every observe, even through a bound child). It registers itself with
 * a prom-client Registry, which formats it with the other metrics at scrape time.
 */
export class RequestHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #label: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(o: {
    name: string;
    help: string;
    label: string;
    buckets: readonly number[];
    registry: Registry;
  }) {
    this.name = o.name;
    this.help = o.help;
    this.#label = o.label;
    this.#bounds = [...o.buckets].sort((a, b) => a - b);
    // prom-client's registry formats any object with name, help, type and get()
    o.registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Record `seconds` for the label value `value`. */
  observe(value: string, seconds: number): void {
    let s = this.#series.get(value);
    if (!s) {
      s = {
        labels: { [this.#label]: value },
        buckets: new Float64Array(this.#bounds.length),
        sum: 0,
        count: 0,
      };
      this.#series.set(value, s);
    }
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
    s.sum += seconds;
    s.count++;
  }

  /** The values in prom-client's export shape (cumulative buckets, `+Inf`, `_sum`, `_count`). */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName: string }[];
  }> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += s.buckets[i]!;
        values.push({
          labels: { le: this.#bounds[i]!, ...s.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}
