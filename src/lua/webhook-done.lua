-- ARGV: prefix courier_id job_id delivered(1|0) delay_ms max_attempts http_status
-- Records one delivery attempt of a job's webhook: delivered, to be retried
-- after delay_ms, or given up after max_attempts.  Only the courier that
-- holds the delivery records it (one whose list was handed back, taken for
-- dead, does not).  Returns the attempt's number, 0 if the job is gone or
-- the delivery not held, -2 if the job ended again meanwhile: this attempt
-- was for the old ending, and the new one is queued for a delivery of its
-- own.
local id = ARGV[3]
local job = jobkey(id)
if redis.call('LREM', P .. 'courier:' .. ARGV[2], 1, id) == 0 or
  redis.call('EXISTS', job) == 0 then
  return 0
end
if redis.call('HDEL', job, 'callback_again') == 1 then
  webhook_queue(job, id, 'new')
  return -2
end
local n = redis.call('HINCRBY', job, 'callback_attempts', 1)
redis.call('HSET', job, 'callback_last_status', ARGV[7])
if ARGV[4] == '1' then
  redis.call('HSET', job, 'callback_status', 'delivered')
  redis.call('HDEL', job, 'callback_at')
  redis.call('HINCRBY', P .. 'stats', 'webhooks_delivered', 1)
elseif n < tonumber(ARGV[6]) then
  redis.call('HSET', job, 'callback_status', 'retrying', 'callback_at', 'delayed')
  redis.call('ZADD', P .. 'webhooks_delayed', now + tonumber(ARGV[5]), id)
  redis.call('HINCRBY', P .. 'stats', 'webhook_retries', 1)
else
  redis.call('HSET', job, 'callback_status', 'failed')
  redis.call('HDEL', job, 'callback_at')
  redis.call('HINCRBY', P .. 'stats', 'webhooks_failed', 1)
end
return n
