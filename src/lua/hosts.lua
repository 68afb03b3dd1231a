-- ARGV: prefix live_ms max_claims
-- What every live host (a thumbqd master heard from within live_ms) is
-- doing, for the console: {now_ms, then one row of six per child and job:
-- host, last_seen_ms, child (wid), job id or '', phase, claimed_ms}.  A
-- child's jobs are its claim list (at most max_claims of them): the one
-- its master says it is thumbnailing ('busy' in the master's hash, see
-- heartbeat.lua), the others downloading or waiting for the decoder.  A
-- child with no claim is a courier delivering webhooks (a row per job it
-- holds, phase 'webhook'), or idle (one row, job '').
local live = redis.call('ZRANGEBYSCORE', P .. 'masters', now - tonumber(ARGV[2]), '+inf',
  'WITHSCORES', 'LIMIT', 0, 64)
local max = tonumber(ARGV[3])
local out = {now}
local function row(host, seen, wid, id, phase, since)
  out[#out + 1] = host
  out[#out + 1] = seen
  out[#out + 1] = wid
  out[#out + 1] = id
  out[#out + 1] = phase
  out[#out + 1] = since
end
for i = 1, #live, 2 do
  local host, seen = live[i], live[i + 1]
  local m = redis.call('HMGET', P .. 'master:' .. host, 'children', 'busy')
  local busy = {}
  for wid, id in string.gmatch(m[2] or '', '(%S+)=(%S+)') do busy[wid] = id end
  for wid in string.gmatch(m[1] or '', '%S+') do
    local ids = redis.call('LRANGE', P .. 'claim:' .. wid, 0, max - 1)
    if #ids == 0 then
      local hooks = redis.call('LRANGE', P .. 'courier:' .. wid, 0, max - 1)
      for _, id in ipairs(hooks) do row(host, seen, wid, id, 'webhook', '0') end
      if #hooks == 0 then row(host, seen, wid, '', 'idle', '0') end
    end
    for _, id in ipairs(ids) do
      local claimed = redis.call('HGET', jobkey(id), 'claimed') or '0'
      row(host, seen, wid, id, busy[wid] == id and 'thumbnailing' or 'downloading', claimed)
    end
  end
end
return out
