-- ARGV: prefix batch
-- Moves retries that are due into pending, behind the jobs already waiting.
local ids = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZREM', P .. 'delayed', id)
  if redis.call('HGET', jobkey(id), 'status') == 'queued' then
    enqueue(id, redis.call('HGET', jobkey(id), 'prio'), false)
  end
end
-- Webhook deliveries waiting for their retry, likewise, into the retry
-- lanes (lib.lua); one queued before the lanes has no callback_at.
local hooks = redis.call('ZRANGEBYSCORE', P .. 'webhooks_delayed', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(hooks) do
  redis.call('ZREM', P .. 'webhooks_delayed', id)
  local job = jobkey(id)
  local at = redis.call('HGET', job, 'callback_at')
  if at == 'delayed' or (not at and redis.call('HGET', job, 'callback_status') == 'retrying') then
    webhook_queue(job, id, 'retry')
  end
end
return #ids + #hooks
