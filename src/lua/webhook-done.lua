-- ARGV: prefix courier_id job_id delivered(1|0) delay_ms max_attempts http_status
-- Records one delivery attempt of a job's webhook: delivered, to be retried
-- after delay_ms, or given up after max_attempts.
local id = ARGV[3]
local job = jobkey(id)
redis.call('LREM', P .. 'courier:' .. ARGV[2], 0, id)
if redis.call('EXISTS', job) == 0 then return 0 end
local n = redis.call('HINCRBY', job, 'callback_attempts', 1)
redis.call('HSET', job, 'callback_last_status', ARGV[7])
if ARGV[4] == '1' then
  redis.call('HSET', job, 'callback_status', 'delivered')
  redis.call('HINCRBY', P .. 'stats', 'webhooks_delivered', 1)
elseif n < tonumber(ARGV[6]) then
  redis.call('HSET', job, 'callback_status', 'retrying')
  redis.call('ZADD', P .. 'webhooks_delayed', now + tonumber(ARGV[5]), id)
  redis.call('HINCRBY', P .. 'stats', 'webhook_retries', 1)
else
  redis.call('HSET', job, 'callback_status', 'failed')
  redis.call('HINCRBY', P .. 'stats', 'webhooks_failed', 1)
end
return n
