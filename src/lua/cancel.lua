-- ARGV: prefix id owner
-- DELETE /v1/thumbnails/{id}: a job waiting or in progress is cancelled
-- (identical requests that followed it fail with "cancelled"), a finished
-- one is forgotten; either way its record goes.  Returns the thumbnail path
-- for the caller to remove ('' when there is none, or when other jobs were
-- answered from the file and still need it), or false for an unknown id.
local id = ARGV[2]
local job = jobkey(id)
local st = redis.call('HGET', job, 'status')
-- With auth on (owner given), another key's job is as good as unknown.
if not st or (ARGV[3] ~= '' and redis.call('HGET', job, 'owner') ~= ARGV[3]) then
  return false
end
if st == 'queued' or st == 'processing' then
  redis.call('HSET', job, 'error_code', 'cancelled', 'error_message', 'cancelled by a DELETE request')
  local holder = redis.call('HGET', job, 'lease')
  if holder then redis.call('LREM', P .. 'claim:' .. holder, 0, id) end
  finished(job, id, 'failed', 'cancelled')
end
local path = redis.call('HGET', job, 'path') or ''
local shared = tonumber(redis.call('HGET', job, 'shared') or '0')
local borrowed = redis.call('HGET', job, 'source_job')
local dkey = redis.call('HGET', job, 'dkey')
if dkey and redis.call('GET', dkey) == id then redis.call('DEL', dkey) end
redis.call('DEL', job)
redis.call('ZREM', P .. 'finished', id)
redis.call('ZREM', P .. 'failed', id)
redis.call('ZREM', P .. 'delayed', id)
redis.call('ZREM', P .. 'leases', id)
redis.call('HINCRBY', P .. 'stats', 'deleted', 1)
if shared > 0 or borrowed then return '' end
return path
