-- The result line of bench/'s wrk scripts, which their run.sh read field by field: requests,
-- non-2xx answers, failures of any kind (non-2xx included), the duration in seconds and the
-- latency percentiles in milliseconds. A script loads it with dofile from its own folder.
function done(summary, latency)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read +
                 summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d non2xx=%d failed=%d duration_s=%.3f p50_ms=%.2f p99_ms=%.2f\n",
                         summary.requests, summary.errors.status, failed, summary.duration / 1e6,
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
