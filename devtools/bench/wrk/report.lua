-- Shared by the wrk scripts of `python -m devtools.bench.stack` (found through LUA_PATH).
-- done() prints one line, "WRK_JSON {...}", that the harness parses instead of wrk's table.
-- Times are in microseconds, as wrk keeps them.

local report = {}

-- What a TLS front in production sends: nginx passes it on, Django's HTTPS redirect stays on.
function report.headers()
   wrk.headers["Host"] = "localhost"
   wrk.headers["X-Forwarded-Proto"] = "https"
end

function report.done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_s": %.6f, "requests_per_s": %.2f, "bytes": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}}\n',
      summary.requests, seconds, summary.requests / seconds, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      e.connect, e.read, e.write, e.timeout, e.status))
end

return report
