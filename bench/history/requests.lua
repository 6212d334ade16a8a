-- wrk script for bench/history/run.sh: GET requests taken in turn from a file, one per line
-- "PATH<TAB>BEARER-TOKEN" (the token may be empty: the applicant's and the public views carry
-- their access code in the path). Every thread starts at its own line so 16 connections do not
-- ask for the same case at the same moment.
-- Arguments after `--`: the file, then the number of wrk threads.

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

local requests = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, token = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {["Connection"] = "keep-alive"}
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      requests[#requests + 1] = wrk.format("GET", path, headers)
    end
  end
  counter = (id - 1) * 7919
end

function request()
  counter = counter + 1
  return requests[counter % #requests + 1]
end

local non2xx = 0
function response(status)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency)
  io.write(string.format("RESULT requests=%d non2xx=%d failed=%d duration_s=%.3f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout + summary.errors.status,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
