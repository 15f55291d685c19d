-- wrk.lua: the wrk script of tests/bench/run.
--   BENCH_TOKEN   a token sent as "Authorization: Bearer …" on every request
--                 (set once: wrk builds the request a single time)
--   BENCH_TOKENS  a file of tokens, one a line, sent in turn (one per
--                 request, each thread starting elsewhere): defeats the
--                 verified-token cache when there are more than it holds
--   BENCH_BODY    a file whose content is POSTed (application/json) on
--                 every request instead of a GET
-- done() prints one machine-readable line:
--   BENCH requests=N duration_us=N rps=R p50_us=N p99_us=N mean_us=R errors=N non2xx=N
local token = os.getenv("BENCH_TOKEN")
local file = os.getenv("BENCH_TOKENS")
local body = os.getenv("BENCH_BODY")

if body and body ~= "" then
	local f = assert(io.open(body, "rb"))
	wrk.method = "POST"
	wrk.body = f:read("*a")
	f:close()
	wrk.headers["Content-Type"] = "application/json"
end

if token and token ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. token
end

if file and file ~= "" then
	local tokens = {}
	for line in io.lines(file) do
		if line ~= "" then
			tokens[#tokens + 1] = "Bearer " .. line
		end
	end
	local i = 0
	local headers = {}
	init = function(args)
		math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
		i = math.random(#tokens)
	end
	request = function()
		i = i % #tokens + 1
		headers["Authorization"] = tokens[i]
		return wrk.format(nil, nil, headers)
	end
end

done = function(summary, latency, requests)
	local e = summary.errors
	local errors = e.connect + e.read + e.write + e.timeout
	io.write(string.format("BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d mean_us=%.1f errors=%d non2xx=%d\n",
		summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(99), latency.mean, errors, e.status))
end
