-- ARGV: prefix cutoff_ms batch
-- Deletes the records of jobs that ended before cutoff, at most batch of
-- them, and returns id, path pairs so that the caller removes the files:
-- path is '' when the job was not the last one using its thumbnail
-- (dedupe), had none, or its record had already expired.  The caller calls
-- again until it gets none.  Oldest first: the sorted set of a thumbq
-- before 2026-12 (P finished), then the lists of each minute of ends
-- (ended_add() in lib.lua).
local cutoff, batch = tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}

local function purge(id)
  local job = jobkey(id)
  out[#out + 1] = id
  out[#out + 1] = ref_drop(job, id)
  redis.call('DEL', job)
  redis.call('ZREM', P .. 'failed', id)
end

for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'finished', '-inf', cutoff, 'LIMIT', 0, batch)) do
  purge(id)
  redis.call('ZREM', P .. 'finished', id)
end

-- Every job of a minute before the cutoff's ended before it; in the
-- cutoff's own minute, only those whose end (updated) is not past it, and
-- they come first in its list.
local last = math.floor(cutoff / 60000)
local minutes = redis.call('ZRANGEBYSCORE', P .. 'ended_minutes', '-inf', last, 'LIMIT', 0, batch)
for _, m in ipairs(minutes) do
  local key = P .. 'ended:' .. m
  while #out < 2 * batch do
    local id = redis.call('LINDEX', key, 0)
    if not id then
      redis.call('ZREM', P .. 'ended_minutes', m)
      break
    end
    if tonumber(m) == last then
      local u = tonumber(redis.call('HGET', jobkey(id), 'updated') or '')
      if u and u > cutoff then return out end
    end
    redis.call('LPOP', key)
    purge(id)
  end
  if #out >= 2 * batch then break end
end
return out
