-- ARGV: prefix master_id stale_ms max_attempts wid...
-- Every master says once a second that it lives and which children it has.
-- A master silent for stale_ms is gone with its host: any living master
-- empties the claim lists of its children (their leases would expire too,
-- but a job claimed and not yet leased has no lease to expire).
local masters = P .. 'masters'
local wids = {}
for i = 5, #ARGV do wids[#wids + 1] = ARGV[i] end
redis.call('ZADD', masters, now, ARGV[2])
redis.call('HSET', P .. 'master:' .. ARGV[2], 'children', table.concat(wids, ' '),
  'workers', #wids, 'seen', now)
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
