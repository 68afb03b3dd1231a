-- ARGV: prefix wid lease_ms file [busy]
-- Takes the oldest job of the highest non-empty priority into the child's
-- claim list with a lease, in one step: at every instant a job is queued
-- (pending or retrying), processing (in one claim list, with a lease), or
-- finished.  Ids whose job expired, was cancelled
-- or finished meanwhile are dropped on the way.  Returns the job record, or
-- nil when there is nothing to do (the caller then blocks on the wake list).
-- file is a fresh random name for the job's thumbnail, kept only by its
-- first claim: every attempt writes the same file (see storage.h).
-- busy '1': the caller's decoder is at work on another image, and a job it
-- claims waits for it; high-priority jobs are then left to a child that
-- can start one at once (interactive_workers), and 1 is returned when one
-- was left and nothing else was taken.
-- PRIORITIES starts with 'high' (lib.lua).
local from = 1
if ARGV[5] == '1' then from = 2 end
for i = from, #PRIORITIES do
  while true do
    local id = redis.call('RPOP', P .. 'pending:' .. PRIORITIES[i])
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
if from == 2 and redis.call('LLEN', P .. 'pending:high') > 0 then return 1 end
return false
