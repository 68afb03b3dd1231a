-- ARGV: prefix set status code cursor_score cursor_id limit budget ids_only
-- The operator's list of jobs of one index (failed: by when they failed;
-- finished: by when they ended; retrying: by when their retry is due),
-- newest first, whose record says status and, unless code is '',
-- error_code code.  A page starts after the cursor (score and id of the
-- last job looked at; '' '' for the first page) and ends after limit jobs,
-- or after budget entries were looked at, so that a rare code costs a
-- bounded walk per page.  Returns {next_score, next_id (both '' at the
-- end), then each job's record as HGETALL gives it, or its id alone when
-- ids_only is '1'}.
-- failed and retrying are sorted sets.  finished is the lists of each
-- minute of ends (ended_add() in lib.lua), then the sorted set P finished
-- of a thumbq before 2026-12 while it has jobs; a cursor into the lists has
-- the score mMINUTE.
local want, code = ARGV[3], ARGV[4]
local cs, cid = ARGV[5], ARGV[6]
local limit, budget = tonumber(ARGV[7]), tonumber(ARGV[8])
local ids_only = ARGV[9] == '1'
local out = {'', ''}
local seen = 0

-- Looks at one entry; true when the page is full (the cursor is set).
local function look(id, score)
  seen = seen + 1
  local f = redis.call('HMGET', jobkey(id), 'status', 'error_code')
  if f[1] == want and (code == '' or f[2] == code) then
    out[#out + 1] = ids_only and id or redis.call('HGETALL', jobkey(id))
  end
  if #out - 2 >= limit or seen >= budget then
    out[1], out[2] = score, id
    return true
  end
  return false
end

-- The lists, newest minute first and each from its end.  After the
-- cursor's id; if that id has left its list meanwhile (deleted, purged),
-- the cursor's minute is walked again from its end.
local function walk_lists()
  local from = '+inf'
  if cs ~= '' then from = tonumber(string.sub(cs, 2)) or '+inf' end
  local offset = 0
  while true do
    local minutes = redis.call('ZREVRANGEBYSCORE', P .. 'ended_minutes', from, '-inf',
      'LIMIT', offset, 100)
    if #minutes == 0 then return false end
    offset = offset + #minutes
    for _, m in ipairs(minutes) do
      local key = P .. 'ended:' .. m
      local i = redis.call('LLEN', key) - 1
      if cs ~= '' and tonumber(m) == from and cid ~= '' then
        local pos = redis.call('LPOS', key, cid)
        if pos then i = pos - 1 end
      end
      while i >= 0 do
        local lo = math.max(0, i - 99)
        local ids = redis.call('LRANGE', key, lo, i)
        for k = #ids, 1, -1 do
          if look(ids[k], 'm' .. m) then return true end
        end
        i = lo - 1
      end
    end
  end
end

-- A sorted set, from the cursor's score down.  Ties at the cursor's score
-- come in reverse order of id: those not below the cursor's id were on an
-- earlier page.
local function walk_set(set)
  local max = cs == '' and '+inf' or cs
  local offset = 0
  while true do
    local batch = redis.call('ZREVRANGEBYSCORE', set, max, '-inf', 'WITHSCORES', 'LIMIT', offset, 100)
    if #batch == 0 then return false end
    offset = offset + #batch / 2
    for i = 1, #batch, 2 do
      local id, score = batch[i], batch[i + 1]
      if cs == '' or score ~= cs or id < cid then
        if look(id, score) then return true end
      end
    end
  end
end

if ARGV[2] == 'finished' then
  if cs == '' or string.sub(cs, 1, 1) == 'm' then
    if walk_lists() then return out end
    cs, cid = '', ''
  end
end
walk_set(P .. ARGV[2])
return out
