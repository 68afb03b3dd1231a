-- ARGV: prefix live_ms
-- Everything /v1/health, /v1/metrics and thumbqctl stats show, in one
-- round trip: pending, processing, retrying, live hosts, their children,
-- pending per priority (high, normal, low), then the counters as
-- field/value pairs.  A host is known by its thumbqd master's id, in P
-- masters and P master:ID.
local live = redis.call('ZRANGEBYSCORE', P .. 'masters', now - tonumber(ARGV[2]), '+inf')
local workers = 0
for _, m in ipairs(live) do
  workers = workers + tonumber(redis.call('HGET', P .. 'master:' .. m, 'workers') or '0')
end
local depth = {}
local pending = 0
for i, prio in ipairs(PRIORITIES) do
  depth[i] = redis.call('LLEN', P .. 'pending:' .. prio)
  pending = pending + depth[i]
end
local out = {
  pending,
  redis.call('ZCARD', P .. 'leases'),
  redis.call('ZCARD', RETRYING) + redis.call('ZCARD', OLD_RETRYING),
  #live,
  workers,
  depth[1], depth[2], depth[3],
}
local counters = redis.call('HGETALL', P .. 'stats')
for i = 1, #counters do out[#out + 1] = counters[i] end
return out
