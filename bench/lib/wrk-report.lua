-- wrk done() hook: one machine-readable line with throughput and the latency distribution.
-- wrk reports latencies in microseconds; we print milliseconds.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationS":%.6f,"rps":%.3f,"p50Ms":%.4f,"p99Ms":%.4f,"maxMs":%.4f,"socketErrors":%d,"httpErrors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
