-- What every wrk script of bench/ shares, loaded with dofile from the script's own folder:
-- each thread's number (the global `id`, 1..threads, set before its init), and the result line
-- their run.sh read field by field: requests, non-2xx answers, failures of any kind (non-2xx
-- included), the duration in seconds and the latency percentiles in milliseconds.

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function done(summary, latency)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read +
                 summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d non2xx=%d failed=%d duration_s=%.3f p50_ms=%.2f p99_ms=%.2f\n",
                         summary.requests, summary.errors.status, failed, summary.duration / 1e6,
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
