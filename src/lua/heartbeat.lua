-- ARGV: prefix host_id stale_ms max_attempts storage_failing_ms, then wid
-- busy pairs
-- Every host (its thumbqd master, whose id is "<hostname>:<pid>") says once
-- a second that it lives, which children it has, and the job each is
-- thumbnailing (busy, '' if none: for the console).  A host silent for
-- stale_ms is gone: any living host empties the claim lists of its
-- children and its couriers' lists at once, rather than waiting for each
-- job's lease to run out (up to lease_ms; a courier's delivery has none).
-- A host whose storage is failing (its circuit breaker is open) says for
-- how long; its hash keeps since when (storage_since, Redis' clock), for
-- /v1/health, and P stats counts each outage (storage_outages).
local masters = P .. 'masters'
local wids, busy = {}, {}
for i = 6, #ARGV, 2 do
  wids[#wids + 1] = ARGV[i]
  if (ARGV[i + 1] or '') ~= '' then busy[#busy + 1] = ARGV[i] .. '=' .. ARGV[i + 1] end
end
redis.call('ZADD', masters, now, ARGV[2])
-- Absent (a caller that names no children) is 0: not failing.
local failing = tonumber(ARGV[5] or '0') or 0
if failing > 0 then
  if redis.call('HSETNX', P .. 'master:' .. ARGV[2], 'storage_since', now - failing) == 1 then
    redis.call('HINCRBY', P .. 'stats', 'storage_outages', 1)
  end
else
  redis.call('HDEL', P .. 'master:' .. ARGV[2], 'storage_since')
end
redis.call('HSET', P .. 'master:' .. ARGV[2], 'children', table.concat(wids, ' '),
  'workers', #wids, 'seen', now, 'busy', table.concat(busy, ' '))
-- Silence says a host is gone only while the others could be heard.  When
-- no host at all has said it lives for stale_ms, Redis was out of reach
-- for everyone, or this is a replica that a Sentinel failover promoted,
-- holding the heartbeats of before: every host then gets stale_ms to come
-- back before any is judged, or the first one back would take the jobs
-- that the others are still working on.
local beat = P .. 'heartbeat'
local g = redis.call('HMGET', beat, 'last', 'judge_after')
local last, judge_after = tonumber(g[1] or '0'), tonumber(g[2] or '0')
if last > 0 and now - last > tonumber(ARGV[3]) then
  judge_after = now + tonumber(ARGV[3])
  redis.call('HSET', beat, 'judge_after', judge_after)
end
redis.call('HSET', beat, 'last', now)
if now < judge_after then return 0 end
local n = 0
local stale = redis.call('ZRANGEBYSCORE', masters, '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, 10)
for _, m in ipairs(stale) do
  local kids = redis.call('HGET', P .. 'master:' .. m, 'children') or ''
  for wid in string.gmatch(kids, '%S+') do
    n = n + recover_claim(wid, tonumber(ARGV[4]))
    n = n + webhook_recover(wid)
  end
  redis.call('DEL', P .. 'master:' .. m)
  redis.call('ZREM', masters, m)
end
return n
