-- ARGV: prefix batch
-- Moves retries that are due into pending, behind the jobs already waiting.
local ids = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZREM', P .. 'delayed', id)
  if redis.call('HGET', jobkey(id), 'status') == 'queued' then
    enqueue(id, redis.call('HGET', jobkey(id), 'prio'), false)
  end
end
-- Webhook deliveries waiting for their retry, likewise.
local hooks = redis.call('ZRANGEBYSCORE', P .. 'webhooks_delayed', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(hooks) do
  redis.call('ZREM', P .. 'webhooks_delayed', id)
  redis.call('LPUSH', P .. 'webhooks', id)
end
return #ids + #hooks
