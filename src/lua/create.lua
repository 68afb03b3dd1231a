-- ARGV: prefix id url opts ttl_seconds dedupe_ttl_seconds
-- Creates a job in one step, so that a crash leaves either the job or
-- nothing.  With dedupe on, the same URL with the same options as a job
-- completed lately is answered from that job's thumbnail at once, and one
-- still in flight is waited for (this job follows it); otherwise the job is
-- queued.  Returns the job record.
local id, url, opts = ARGV[2], ARGV[3], ARGV[4]
local ttl, dttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local job = jobkey(id)
redis.call('HSET', job, 'id', id, 'url', url, 'status', 'queued', 'opts', opts,
  'attempts', 0, 'created', now, 'updated', now)
if ttl > 0 then redis.call('EXPIRE', job, ttl) end
redis.call('HINCRBY', P .. 'stats', 'accepted', 1)
if dttl > 0 then
  local dkey = P .. 'dedupe:' .. redis.sha1hex(opts .. ' ' .. url)
  local prev = redis.call('GET', dkey)
  local pj = prev and jobkey(prev)
  local st = prev and redis.call('HGET', pj, 'status')
  if st == 'completed' then
    local f = redis.call('HMGET', pj, 'path', 'width', 'height')
    if f[1] then
      redis.call('HSET', job, 'path', f[1], 'width', f[2] or '0', 'height', f[3] or '0',
        'source_job', prev)
      finished(job, id, 'completed', '')
      -- The file now serves this job too: keep it as long as this job.
      redis.call('ZADD', P .. 'finished', now, prev)
      if ttl > 0 then redis.call('EXPIRE', pj, ttl) end
      redis.call('HINCRBY', P .. 'stats', 'dedupe_hits', 1)
      return redis.call('HGETALL', job)
    end
  elseif st == 'queued' or st == 'processing' then
    redis.call('HSET', job, 'source_job', prev)
    redis.call('RPUSH', P .. 'followers:' .. prev, id)
    if ttl > 0 then redis.call('EXPIRE', P .. 'followers:' .. prev, ttl) end
    redis.call('HINCRBY', P .. 'stats', 'dedupe_follows', 1)
    return redis.call('HGETALL', job)
  end
  redis.call('SET', dkey, id, 'EX', dttl)
  redis.call('HSET', job, 'dkey', dkey)
end
redis.call('LPUSH', P .. 'pending', id)
return redis.call('HGETALL', job)
