-- wrk script for bench/progress/run.sh: POST /mobile/v1/cases/{tracking}/progress, a timeline
-- note (one durable transaction), each request with a new Idempotency-Key.
-- Arguments after `--`: the number of wrk threads, a salt that makes this run's keys its own
-- (a repeated run with the same keys would only replay kept answers), then for each agent
-- "token:index".
-- An agent's cases are DBBENCH + (index*100 + k, six digits), k = 1..20 (seeded by run.sh).

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "../wrk_common.lua")

local agents = {}
local counter = 0
local salt = ""

function init(args)
  local thread_count = tonumber(args[1])
  salt = args[2]
  for i = 3, #args do
    if (i - 3) % thread_count == id - 1 then
      local token, index = args[i]:match("([^:]+):(%d+)")
      agents[#agents + 1] = {token = token, index = tonumber(index)}
    end
  end
end

function request()
  counter = counter + 1
  local agent = agents[counter % #agents + 1]
  local case = string.format("DBBENCH%06d", agent.index * 100 + (counter % 20) + 1)
  return wrk.format("POST", "/mobile/v1/cases/" .. case .. "/progress", {
    ["Authorization"] = "Bearer " .. agent.token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", salt, id, counter),
    ["Connection"] = "keep-alive",
  }, '{"kind":"note","text":"bench"}')
end
