-- lib.lua: prepended to every thumbq script (see store.c).
-- ARGV[1] is always the key prefix.  Keys are built here from it, which is
-- fine on a single Redis or a replica set but not on Redis Cluster.
-- Times come from Redis (TIME), so hosts with skewed clocks agree.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local P = ARGV[1]
local function jobkey(id) return P .. 'job:{' .. id .. '}' end

-- Duration histograms: one counter per bucket (not cumulative; the
-- metrics endpoint adds them up), plus the sum, in milliseconds.
local BOUNDS = {10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000}
local function observe(name, ms)
  if ms < 0 then ms = 0 end
  local b = '+Inf'
  for _, v in ipairs(BOUNDS) do
    if ms <= v then b = tostring(v); break end
  end
  redis.call('HINCRBY', P .. 'stats', name .. '_bucket:' .. b, 1)
  redis.call('HINCRBY', P .. 'stats', name .. '_sum_ms', ms)
end

-- A job is done for good: status, counters, and the indexes that
-- thumbqctl and purging read.
local function finished(job, id, status, code)
  redis.call('HDEL', job, 'lease')
  redis.call('HSET', job, 'status', status, 'updated', now)
  redis.call('ZREM', P .. 'leases', id)
  redis.call('ZADD', P .. 'finished', now, id)
  observe('e2e', now - tonumber(redis.call('HGET', job, 'created') or now))
  if status == 'failed' then
    redis.call('ZADD', P .. 'failed', now, id)
    redis.call('HINCRBY', P .. 'stats', 'failed:' .. code, 1)
  else
    redis.call('HINCRBY', P .. 'stats', 'completed', 1)
  end
end

-- Puts a job back at the head of pending, or fails it for good when it has
-- used up its attempts: a job that crashes every worker that takes it must
-- not crash them forever.
local function requeue(job, id, max, why)
  local attempts = tonumber(redis.call('HGET', job, 'attempts') or '0')
  redis.call('ZREM', P .. 'leases', id)
  if attempts >= max then
    redis.call('HSET', job, 'error_code', why, 'error_message',
      'gave up after ' .. attempts .. ' attempts: ' .. why)
    finished(job, id, 'failed', why)
    return 0
  end
  redis.call('HDEL', job, 'lease')
  redis.call('HSET', job, 'status', 'queued', 'updated', now)
  redis.call('RPUSH', P .. 'pending', id)
  redis.call('HINCRBY', P .. 'stats', 'requeued:' .. why, 1)
  return 1
end

-- Empties a dead child's claim list: each job it held goes back to the
-- queue, unless another worker holds it by now.
local function recover_claim(wid, max)
  local claim = P .. 'claim:' .. wid
  local n = 0
  while true do
    local id = redis.call('RPOP', claim)
    if not id then break end
    local job = jobkey(id)
    local st = redis.call('HGET', job, 'status')
    if st == 'queued' or (st == 'processing' and redis.call('HGET', job, 'lease') == wid) then
      n = n + requeue(job, id, max, 'worker_died')
    end
  end
  return n
end

