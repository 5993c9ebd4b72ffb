-- The same request every time (the URL given to wrk), with the HTTPS front's headers.
-- No request() function: wrk builds the request once, the cheapest way to drive the server.
local report = require("report")

report.headers()
done = report.done
