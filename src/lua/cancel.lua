-- ARGV: prefix id owner
-- DELETE /v1/thumbnails/{id}: a job waiting or in progress is cancelled, a
-- finished one is forgotten; either way its record goes, and only its own:
-- with auth off, identical requests of other clients may follow it
-- (dedupe), and one client's DELETE must not fail another's job.  Returns
-- the thumbnail path for the caller to remove ('' when there is none, or
-- when other jobs still use the file), or false for an unknown id.
local id = ARGV[2]
local job = jobkey(id)
local st = redis.call('HGET', job, 'status')
-- With auth on (owner given), another key's job is as good as unknown.
if not st or (ARGV[3] ~= '' and redis.call('HGET', job, 'owner') ~= ARGV[3]) then
  return false
end

-- The first follower still waiting takes the cancelled job's place: it
-- becomes the job identical requests follow, and is queued at the head of
-- its priority (or waits for the retry the cancelled job waited for).
-- Work already under way for the cancelled job is thrown away with it
-- (the worker finds its lease gone), so that a file is only ever written
-- for a job that exists.  Returns the heir's id, or nil.
local function hand_over()
  local fkey = P .. 'followers:' .. id
  local heir
  repeat
    heir = redis.call('LPOP', fkey)
    if not heir then return nil end
  until redis.call('HGET', jobkey(heir), 'status') == 'queued'
  local hj = jobkey(heir)
  redis.call('HDEL', hj, 'source_job')
  redis.call('HSET', hj, 'updated', now)
  if redis.call('EXISTS', fkey) == 1 then
    redis.call('RENAME', fkey, P .. 'followers:' .. heir)
    redis.call('LREM', P .. 'followers:' .. heir, 0, heir)
  end
  -- The heir asked the same: its key is the cancelled job's.
  local dkey = job_dedupe_key(job)
  if dkey and redis.call('GET', dkey) == id then redis.call('SET', dkey, heir, 'KEEPTTL') end
  local due = redis.call('ZSCORE', RETRYING, id) or
    redis.call('ZSCORE', OLD_RETRYING, id)
  if due then
    redis.call('ZADD', RETRYING, due, heir)
  else
    enqueue(heir, redis.call('HGET', hj, 'prio'), true)
  end
  redis.call('HINCRBY', P .. 'stats', 'dedupe_handovers', 1)
  return heir
end

if st == 'queued' or st == 'processing' then
  local holder = redis.call('HGET', job, 'lease')
  if holder then redis.call('LREM', P .. 'claim:' .. holder, 0, id) end
  if hand_over() then
    redis.call('HINCRBY', P .. 'stats', 'failed:cancelled', 1)
  else
    redis.call('HSET', job, 'error_code', 'cancelled', 'error_message', 'cancelled by a DELETE request')
    finished(job, id, 'failed', 'cancelled')
  end
end
local path = ref_drop(job, id)
dedupe_drop(job, id)
ended_remove(job, id)
redis.call('DEL', job)
redis.call('ZREM', P .. 'failed', id)
redis.call('ZREM', RETRYING, id)
redis.call('ZREM', OLD_RETRYING, id)
redis.call('ZREM', P .. 'leases', id)
redis.call('HINCRBY', P .. 'stats', 'deleted', 1)
return path
