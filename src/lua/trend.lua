-- ARGV: prefix minutes
-- The per-minute trend hashes (see trend() in lib.lua) of the last minutes,
-- the current one included, oldest first: {now_ms, first_minute, fields of
-- that minute, fields of the next, ...}, each as HGETALL gives them (empty
-- for a minute in which no job ended).  The caller bounds minutes.
local n = tonumber(ARGV[2])
local last = math.floor(now / 60000)
local out = {now, last - n + 1}
for m = last - n + 1, last do
  out[#out + 1] = redis.call('HGETALL', P .. 'trend:' .. string.format('%d', m))
end
return out
