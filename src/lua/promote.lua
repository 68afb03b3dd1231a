-- ARGV: prefix batch
-- Moves retries that are due into pending, behind the jobs already
-- waiting.  First what a thumbqd from before P retrying put in P delayed
-- (see lib.lua) moves over, keeping when each is due.
local old = redis.call('ZRANGE', OLD_RETRYING, 0, tonumber(ARGV[2]) - 1,
  'WITHSCORES')
for i = 1, #old, 2 do
  redis.call('ZADD', RETRYING, old[i + 1], old[i])
  redis.call('ZREM', OLD_RETRYING, old[i])
end
local ids = redis.call('ZRANGEBYSCORE', RETRYING, '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZREM', RETRYING, id)
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
