-- ARGV: prefix live_ms
-- Everything /v1/health, /v1/metrics and thumbqctl stats show, in one
-- round trip: pending, leased, delayed, live masters, live workers, then
-- the counters as field/value pairs.
local live = redis.call('ZRANGEBYSCORE', P .. 'masters', now - tonumber(ARGV[2]), '+inf')
local workers = 0
for _, m in ipairs(live) do
  workers = workers + tonumber(redis.call('HGET', P .. 'master:' .. m, 'workers') or '0')
end
local out = {
  redis.call('LLEN', P .. 'pending'),
  redis.call('ZCARD', P .. 'leases'),
  redis.call('ZCARD', P .. 'delayed'),
  #live,
  workers,
}
local counters = redis.call('HGETALL', P .. 'stats')
for i = 1, #counters do out[#out + 1] = counters[i] end
return out
