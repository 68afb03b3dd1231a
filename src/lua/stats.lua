-- ARGV: prefix live_ms
-- Everything /v1/health, /v1/metrics and thumbqctl stats show, in one
-- round trip: pending, processing, retrying, live hosts, their children,
-- pending per priority (high, normal, low), Redis' clock, the live hosts
-- whose storage is failing and since when the first did (0: none, see
-- heartbeat.lua), when the oldest pending job was made (0: none), then the
-- counters as field/value pairs.  A host is known by its thumbqd master's
-- id, in P masters and P master:ID.  It only reads: it answers when Redis
-- refuses writes (maxmemory, MISCONF), which is when health needs it.
local live = redis.call('ZRANGEBYSCORE', P .. 'masters', now - tonumber(ARGV[2]), '+inf')
local workers, failing, since = 0, 0, 0
for _, m in ipairs(live) do
  local h = redis.call('HMGET', P .. 'master:' .. m, 'workers', 'storage_since')
  workers = workers + tonumber(h[1] or '0')
  if h[2] then
    failing = failing + 1
    if since == 0 or tonumber(h[2]) < since then since = tonumber(h[2]) end
  end
end
local depth = {}
local pending, oldest = 0, 0
for i, prio in ipairs(PRIORITIES) do
  depth[i] = redis.call('LLEN', P .. 'pending:' .. prio)
  pending = pending + depth[i]
  -- The next to be claimed (claim.lua pops from this end).
  local id = redis.call('LINDEX', P .. 'pending:' .. prio, -1)
  local made = id and tonumber(redis.call('HGET', jobkey(id), 'created') or '0') or 0
  if made > 0 and (oldest == 0 or made < oldest) then oldest = made end
end
local out = {
  pending,
  redis.call('ZCARD', P .. 'leases'),
  redis.call('ZCARD', RETRYING) + redis.call('ZCARD', OLD_RETRYING),
  #live,
  workers,
  depth[1], depth[2], depth[3],
  now, failing, since, oldest,
}
local counters = redis.call('HGETALL', P .. 'stats')
for i = 1, #counters do out[#out + 1] = counters[i] end
return out
