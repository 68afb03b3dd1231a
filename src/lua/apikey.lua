-- ARGV: prefix op [args]
-- API keys.  The key itself is shown once, when made, and never stored:
--   P apikeys          hash, name -> SHA-256 of the key
--   P apikey:HASH      hash: name, id, created, last_used, admin ('1' for
--                      a key that may use /v1/admin/: the console's actions)
--   P apikey_id:ID     hash: name, secret (the key's webhook secret), created
--   P apikey_ids       set of every id ever given out
-- The id, not the name, owns a key's jobs, batches and rate-limit bucket,
-- and is never given out twice, so that a key made under a revoked key's
-- name is a new owner.
--   create HASH NAME ID SECRET ADMIN -> 1, 0 if NAME is taken, 2 if ID was
--                                 given out before (ADMIN: '1' or '0')
--   revoke NAME        -> 1, or 0 if there is no such key
--   list               -> name, id, created, last_used, admin ('1' or
--                         '0') fives (id '' for a key made before keys had
--                         ids)
local op = ARGV[2]
local names = P .. 'apikeys'
if op == 'create' then
  if redis.call('HEXISTS', names, ARGV[4]) == 1 then return 0 end
  if redis.call('SADD', P .. 'apikey_ids', ARGV[5]) == 0 then return 2 end
  redis.call('HSET', P .. 'apikey:' .. ARGV[3], 'name', ARGV[4], 'id', ARGV[5], 'created', now,
    'admin', ARGV[7] == '1' and '1' or '0')
  redis.call('HSET', P .. 'apikey_id:' .. ARGV[5], 'name', ARGV[4], 'secret', ARGV[6],
    'created', now)
  redis.call('HSET', names, ARGV[4], ARGV[3])
  return 1
elseif op == 'revoke' then
  local hash = redis.call('HGET', names, ARGV[3])
  if not hash then return 0 end
  local id = redis.call('HGET', P .. 'apikey:' .. hash, 'id')
  -- The secret goes too: a revoked key's jobs are signed with nothing else.
  if id then redis.call('DEL', P .. 'apikey_id:' .. id) end
  redis.call('DEL', P .. 'apikey:' .. hash)
  redis.call('HDEL', names, ARGV[3])
  return 1
elseif op == 'list' then
  local all = redis.call('HGETALL', names)	-- name, hash, name, hash, ...
  local res = {}
  for i = 1, #all, 2 do
    local k = redis.call('HMGET', P .. 'apikey:' .. all[i + 1], 'id', 'created', 'last_used',
      'admin')
    res[#res + 1] = all[i]
    res[#res + 1] = k[1] or ''
    res[#res + 1] = k[2] or '0'
    res[#res + 1] = k[3] or '0'
    res[#res + 1] = k[4] == '1' and '1' or '0'
  end
  return res
end
return redis.error_reply('unknown apikey op')
