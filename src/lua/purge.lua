-- ARGV: prefix cutoff_ms batch
-- Deletes the records of jobs finished before cutoff, a batch at a time, and
-- returns id, path pairs so that the caller removes the files: path is ''
-- when the job was not the last one using its thumbnail (dedupe), had
-- none, or its record had already expired.
local ids = redis.call('ZRANGEBYSCORE', P .. 'finished', '-inf', tonumber(ARGV[2]), 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local job = jobkey(id)
  out[#out + 1] = id
  out[#out + 1] = ref_drop(job, id)
  redis.call('DEL', job)
  redis.call('ZREM', P .. 'finished', id)
  redis.call('ZREM', P .. 'failed', id)
end
return out
