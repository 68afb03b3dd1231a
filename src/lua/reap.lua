-- ARGV: prefix max_attempts batch
-- Requeues jobs whose lease ran out (a hung worker, or a host that vanished).
local ids = redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', P .. 'leases', id)
  local job = jobkey(id)
  if redis.call('HGET', job, 'status') == 'processing' then
    local holder = redis.call('HGET', job, 'lease')
    if holder then redis.call('LREM', P .. 'claim:' .. holder, 0, id) end
    n = n + requeue(job, id, tonumber(ARGV[2]), 'lease_expired')
  end
end
return n
