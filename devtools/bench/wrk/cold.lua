-- A new, valid, never-seen RUC on every request: each one a cache miss that asks the replica.
--   wrk ... -s cold.lua <url> -- START
-- RUCs are 2073 + a six-digit counter from START (plus 100000 per wrk thread) + the check digit,
-- so runs given different STARTs never share a RUC. The replica answers any valid RUC.
local report = require("report")

report.headers()
done = report.done

local threads = 0
function setup(thread)
   thread:set("thread_index", threads)
   threads = threads + 1
end

local counter = 0
function init(args)
   counter = tonumber(args[1] or "0") + (thread_index or 0) * 100000
end

local WEIGHTS = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

local function ruc(n)
   local first_ten = string.format("2073%06d", n % 1000000)
   local sum = 0
   for i = 1, 10 do
      sum = sum + tonumber(first_ten:sub(i, i)) * WEIGHTS[i]
   end
   local digit = 11 - sum % 11
   if digit == 10 then digit = 0 elseif digit == 11 then digit = 1 end
   return first_ten .. digit
end

function request()
   local path = "/api/ruc/" .. ruc(counter)
   counter = counter + 1
   return wrk.format(nil, path)
end
