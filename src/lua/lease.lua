-- ARGV: prefix id wid lease_ms
-- Runs right after BLMOVE moved id into the child's claim list: leases the
-- job, or drops the claim of a job that expired or finished meanwhile.
local job = jobkey(ARGV[2])
local st = redis.call('HGET', job, 'status')
if st ~= 'queued' and st ~= 'processing' then
  redis.call('LREM', P .. 'claim:' .. ARGV[3], 0, ARGV[2])
  return false
end
redis.call('HINCRBY', job, 'attempts', 1)
redis.call('HSET', job, 'status', 'processing', 'lease', ARGV[3], 'updated', now, 'claimed', now)
redis.call('ZADD', P .. 'leases', now + tonumber(ARGV[4]), ARGV[2])
return redis.call('HGETALL', job)
