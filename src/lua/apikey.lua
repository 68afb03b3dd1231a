-- ARGV: prefix op [args]
-- API keys, stored by the SHA-256 of the key (the key itself is shown once,
-- when made, and never stored):
--   create HASH NAME   -> 1, or 0 if NAME is taken
--   revoke NAME        -> 1, or 0 if there is no such key
--   list               -> name, created, last_used triples
local op = ARGV[2]
local names = P .. 'apikeys'
if op == 'create' then
  if redis.call('HEXISTS', names, ARGV[4]) == 1 then return 0 end
  redis.call('HSET', P .. 'apikey:' .. ARGV[3], 'name', ARGV[4], 'created', now)
  redis.call('HSET', names, ARGV[4], ARGV[3])
  return 1
elseif op == 'revoke' then
  local hash = redis.call('HGET', names, ARGV[3])
  if not hash then return 0 end
  redis.call('DEL', P .. 'apikey:' .. hash)
  redis.call('HDEL', names, ARGV[3])
  return 1
elseif op == 'list' then
  local all = redis.call('HGETALL', names)	-- name, hash, name, hash, ...
  local res = {}
  for i = 1, #all, 2 do
    local k = redis.call('HMGET', P .. 'apikey:' .. all[i + 1], 'created', 'last_used')
    res[#res + 1] = all[i]
    res[#res + 1] = k[1] or '0'
    res[#res + 1] = k[2] or '0'
  end
  return res
end
return redis.error_reply('unknown apikey op')
