-- ARGV: prefix id
-- thumbqctl retry: a failed job starts again with fresh attempts.
local job = jobkey(ARGV[2])
if redis.call('HGET', job, 'status') ~= 'failed' then return 0 end
redis.call('HSET', job, 'status', 'queued', 'attempts', 0, 'updated', now)
redis.call('HDEL', job, 'error_code', 'error_message', 'lease')
redis.call('ZREM', P .. 'failed', ARGV[2])
redis.call('ZREM', P .. 'finished', ARGV[2])
enqueue(ARGV[2], redis.call('HGET', job, 'prio'), false)
redis.call('HINCRBY', P .. 'stats', 'manual_retries', 1)
return 1
