-- ARGV: prefix id wid delay_ms error_code error_message bytes_fetched
-- A transient failure: the job is queued again, retrying: it waits in P
-- retrying with its last error visible, until a host promotes it.
local job = jobkey(ARGV[2])
if not release_claim(job, ARGV[2], ARGV[3]) then return 0 end
redis.call('ZREM', P .. 'leases', ARGV[2])
redis.call('HDEL', job, 'lease')
redis.call('HSET', job, 'status', 'queued', 'updated', now,
  'error_code', ARGV[5], 'error_message', ARGV[6])
redis.call('ZADD', RETRYING, now + tonumber(ARGV[4]), ARGV[2])
redis.call('HINCRBY', P .. 'stats', 'retries', 1)
redis.call('HINCRBY', P .. 'stats', 'bytes_fetched', tonumber(ARGV[7]))
return 1
