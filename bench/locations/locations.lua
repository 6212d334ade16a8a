-- wrk script for bench/locations/run.sh: every request is POST /mobile/v1/locations with a new
-- batch of fixes, the signed-in agents' tokens taken in turn.
-- Arguments after `--`: fixes per batch, the number of wrk threads, then the bearer tokens.
--
-- Each batch is new (coordinates advance with a per-thread counter, times end at now): the
-- store does not write a fix twice, so resending one body would measure duplicate checks
-- instead of inserts.

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "../wrk_common.lua")

local per_batch = 50
local tokens = {}
local counter = 0
local stamps = {}  -- epoch second -> RFC 3339 text, so os.date runs once per second, not per fix

local function stamp(t)
  local text = stamps[t]
  if text == nil then
    text = os.date("!%Y-%m-%dT%H:%M:%SZ", t)
    stamps[t] = text
  end
  return text
end

-- A thread takes every n-th token (n = the thread count), so an agent's batches come from one
-- thread only; with at least as many agents per thread as connections, an agent never has two
-- batches in flight, as a phone sending its queue one batch at a time would not.
function init(args)
  per_batch = tonumber(args[1])
  local thread_count = tonumber(args[2])
  for i = 3, #args do
    if (i - 3) % thread_count == id - 1 then tokens[#tokens + 1] = args[i] end
  end
end

function request()
  counter = counter + 1
  local token = tokens[counter % #tokens + 1]
  local now = os.time()
  local fixes = {}
  for i = 1, per_batch do
    local seq = counter * per_batch + i
    -- Around Jinan (WGS-84); a thread of its own per 0.01 degree of longitude.
    fixes[i] = string.format('{"lat":%.7f,"lng":%.7f,"accuracy":%d,"device_time":"%s"}',
                             36.60 + (seq % 100000) * 1e-6,
                             117.00 + id * 0.01 + math.floor(seq / 100000) * 1e-6,
                             5 + i % 20, stamp(now - (per_batch - i)))
  end
  local body = '{"fixes":[' .. table.concat(fixes, ",") .. ']}'
  return wrk.format("POST", "/mobile/v1/locations",
                    {["Authorization"] = "Bearer " .. token,
                     ["Content-Type"] = "application/json",
                     ["Connection"] = "keep-alive"}, body)
end
