-- ARGV: prefix set status code cursor_score cursor_id limit budget ids_only
-- The operator's list of jobs in one of the sorted sets (failed: by when
-- they failed; finished: by when they ended; retrying: by when their retry
-- is due), newest first, whose record says status and, unless code is '',
-- error_code code.  A page starts after the cursor (score and id of the
-- last job looked at; '' '' for the first page) and ends after limit jobs,
-- or after budget entries of the set were looked at, so that a rare code
-- costs a bounded walk per page.  Returns {next_score, next_id (both ''
-- at the end of the set), then each job's record as HGETALL gives it, or
-- its id alone when ids_only is '1'}.
local set = P .. ARGV[2]
local want, code = ARGV[3], ARGV[4]
local cs, cid = ARGV[5], ARGV[6]
local limit, budget = tonumber(ARGV[7]), tonumber(ARGV[8])
local ids_only = ARGV[9] == '1'
local out = {'', ''}
local max = cs == '' and '+inf' or cs
local offset, seen = 0, 0
while seen < budget do
  local batch = redis.call('ZREVRANGEBYSCORE', set, max, '-inf', 'WITHSCORES', 'LIMIT', offset, 100)
  if #batch == 0 then return out end
  offset = offset + #batch / 2
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    -- Ties at the cursor's score come in reverse order of id: those not
    -- below the cursor's id were on an earlier page.
    if cs == '' or score ~= cs or id < cid then
      seen = seen + 1
      local f = redis.call('HMGET', jobkey(id), 'status', 'error_code')
      if f[1] == want and (code == '' or f[2] == code) then
        out[#out + 1] = ids_only and id or redis.call('HGETALL', jobkey(id))
      end
      if #out - 2 >= limit or seen >= budget then
        out[1], out[2] = score, id
        return out
      end
    end
  end
end
return out
