-- bench/wrk.lua: the one wrk script of bench/run, for every API target.
--
-- With WRK_POST_URL set it sends POST requests with the body
-- {"url": "WRK_POST_URL?w=NONCE-THREAD-N"} and Content-Type:
-- application/json, the image URL different in every request: thumbq
-- answers a URL it has seen from its dedupe key, and a benchmark of job
-- creation must create jobs.  (The null responder gets the same requests.)
-- Without WRK_POST_URL, plain GETs of the URL on the command line.
-- At the end it prints one line "WRKJSON {...}" that bench/bench.py reads:
-- requests/s, latency percentiles in microseconds, and the errors, where
-- "status" counts answers that were not 2xx or 3xx.

local post_url = os.getenv("WRK_POST_URL")
local nonce = os.getenv("WRK_NONCE") or "0"
local nthreads = 0
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

if post_url ~= nil and post_url ~= "" then
	function request()
		counter = counter + 1
		local body = string.format('{"url": "%s?w=%s-%d-%d"}', post_url, nonce, tid or 0, counter)
		return wrk.format("POST", nil, headers, body)
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'WRKJSON {"requests": %d, "duration_us": %d, "rps": %.1f, ' ..
		'"lat_p50_us": %d, "lat_p90_us": %d, "lat_p99_us": %d, "lat_max_us": %d, ' ..
		'"err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, "err_timeout": %d}\n',
		summary.requests, summary.duration,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
		e.connect, e.read, e.write, e.status, e.timeout))
end
