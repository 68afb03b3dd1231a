-- ARGV: prefix id...
-- The operator's requeue (thumbqctl requeue, or its old name retry; the
-- console's Retry): each failed job starts again with fresh attempts; the
-- others are left alone.  Returns how many were requeued.  Its counter
-- keeps its first name, manual_retries.
local n = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  local job = jobkey(id)
  if redis.call('HGET', job, 'status') == 'failed' then
    ended_remove(job, id)
    redis.call('HSET', job, 'status', 'queued', 'attempts', 0, 'updated', now)
    redis.call('HDEL', job, 'error_code', 'error_message', 'lease',
      'outage_since', 'outage_retries')
    redis.call('ZREM', P .. 'failed', id)
    enqueue(id, redis.call('HGET', job, 'prio'), false)
    redis.call('HINCRBY', P .. 'stats', 'manual_retries', 1)
    n = n + 1
  end
end
return n
