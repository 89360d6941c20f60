-- Requests the paths given after `--` in turn, counts responses that are not 2xx, and ends
-- with one line "JSON {...}" of figures for bench/api.py (latencies in microseconds).
--   wrk -t2 -c16 -d10s -s bench/wrk/rotate.lua http://127.0.0.1:5000 -- /a /b?q=1

local threads = {}

function setup(thread)
   thread:set("offset", #threads)
   table.insert(threads, thread)
end

function init(args)
   paths = args
   errors = 0
   -- Threads start at different paths, so each path is asked about as often.
   counter = offset
end

function request()
   counter = counter + 1
   return wrk.format("GET", paths[counter % #paths + 1])
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      errors = errors + 1
   end
end

function done(summary, latency, requests)
   local non2xx = 0
   for _, thread in ipairs(threads) do
      non2xx = non2xx + thread:get("errors")
   end
   local e = summary.errors
   io.write(string.format(
      'JSON {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, '
         .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, non2xx, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max))
end
