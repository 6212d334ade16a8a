-- wrk script for bench/history/run.sh: GET requests taken in turn from a file, one per line
-- "PATH<TAB>BEARER-TOKEN" (the token may be empty: the applicant's and the public views carry
-- their access code in the path). Every thread starts at its own line so 16 connections do not
-- ask for the same case at the same moment.
-- Arguments after `--`: the file, then the number of wrk threads.

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "../wrk_common.lua")

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
