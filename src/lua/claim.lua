-- ARGV: prefix wid lease_ms file
-- Takes the oldest job of the highest non-empty priority into the child's
-- claim list with a lease, in one step: at every instant a job is queued
-- (pending or retrying), processing (in one claim list, with a lease), or
-- finished.  Ids whose job expired, was cancelled
-- or finished meanwhile are dropped on the way.  Returns the job record, or
-- nil when there is nothing to do (the caller then blocks on the wake list).
-- file is a fresh random name for the job's thumbnail, kept only by its
-- first claim: every attempt writes the same file (see storage.h).
for _, prio in ipairs(PRIORITIES) do
  while true do
    local id = redis.call('RPOP', P .. 'pending:' .. prio)
    if not id then break end
    local job = jobkey(id)
    if redis.call('HGET', job, 'status') == 'queued' then
      redis.call('LPUSH', P .. 'claim:' .. ARGV[2], id)
      redis.call('HINCRBY', job, 'attempts', 1)
      redis.call('HSET', job, 'status', 'processing', 'lease', ARGV[2], 'updated', now,
        'claimed', now)
      redis.call('HSETNX', job, 'file', ARGV[4])
      redis.call('ZADD', P .. 'leases', now + tonumber(ARGV[3]), id)
      redis.call('RPOP', P .. 'wake')
      return redis.call('HGETALL', job)
    end
  end
end
return false
