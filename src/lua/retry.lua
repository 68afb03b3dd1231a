-- ARGV: prefix id wid delay_ms error_code error_message bytes_fetched
--   [outage_limit_ms outage_max_delay_ms]
-- A transient failure: the job is queued again, retrying: it waits in P
-- retrying with its last error visible, until a host promotes it.
-- Returns 1 (0: the lease was lost).
-- With outage_limit_ms, the failure was thumbq's own storage's (an outage,
-- not the image's doing): the attempt its claim counted is given back, and
-- the delay doubles from delay_ms with each such retry of the job up to
-- outage_max_delay_ms.  Returns that delay; or -2, changing nothing, once
-- outage_limit_ms have passed since the job's first outage retry: the
-- caller then fails it.
local job = jobkey(ARGV[2])
local limit = tonumber(ARGV[8] or '0')
local delay = tonumber(ARGV[4])
if limit > 0 and redis.call('HGET', job, 'lease') == ARGV[3] then
  local since = tonumber(redis.call('HGET', job, 'outage_since') or now)
  if now - since >= limit then return -2 end
end
if not release_claim(job, ARGV[2], ARGV[3]) then return 0 end
redis.call('ZREM', P .. 'leases', ARGV[2])
redis.call('HDEL', job, 'lease')
redis.call('HSET', job, 'status', 'queued', 'updated', now,
  'error_code', ARGV[5], 'error_message', ARGV[6])
if limit > 0 then
  redis.call('HSETNX', job, 'outage_since', now)
  local n = redis.call('HINCRBY', job, 'outage_retries', 1)
  redis.call('HINCRBY', job, 'attempts', -1)
  delay = math.floor(math.min(delay * 2 ^ math.min(n - 1, 40), tonumber(ARGV[9])))
  if delay < 1 then delay = 1 end
  redis.call('HINCRBY', P .. 'stats', 'outage_retries', 1)
else
  redis.call('HINCRBY', P .. 'stats', 'retries', 1)
end
redis.call('ZADD', RETRYING, now + delay, ARGV[2])
redis.call('HINCRBY', P .. 'stats', 'bytes_fetched', tonumber(ARGV[7]))
if limit > 0 then return delay end
return 1
