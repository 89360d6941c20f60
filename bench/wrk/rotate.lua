-- Requests the paths listed in a file, one per line, in turn; counts responses that are errors,
-- and ends with one line "JSON {...}" of figures for bench/api.py (latencies in microseconds).
--   wrk -t1 -c16 -d10s -s bench/wrk/rotate.lua http://127.0.0.1:5000 -- paths.txt

local threads = {}

function setup(thread)
   thread:set("offset", #threads)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   for line in io.lines(args[1]) do
      table.insert(paths, line)
   end
   -- Threads start at different paths, so each path is asked about as often.
   counter = offset
end

function request()
   counter = counter + 1
   return wrk.format("GET", paths[counter % #paths + 1])
end

-- No response() callback: with one, wrk would copy every body into Lua. Its own count of
-- statuses over 399 (errors.status) stands for the answers that are not 2xx.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'JSON {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, '
         .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max))
end
