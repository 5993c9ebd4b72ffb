-- The same batch every time: POST the JSON body read from a file (built by the harness).
--   wrk ... -s batch.lua <url>/api/ruc/lote -- BODY_FILE
-- The body is set in init(), before wrk builds its one static request per thread.
local report = require("report")

report.headers()
done = report.done

function init(args)
   local file = assert(io.open(args[1], "rb"))
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.body = file:read("*a")
   file:close()
end
