-- ARGV: prefix key_hash subject rate_per_s burst cost paid
-- The gate in front of every API request, in one round trip.  key_hash is
-- the SHA-256 of the bearer key ('' when auth is off or none was sent); the
-- key must exist.  subject is who is rate-limited when no key is given (the
-- client, "addr:..."; a key's bucket is "key:" and its id); rate 0 turns
-- limiting off.  The limit is a token bucket: burst tokens at once,
-- refilled at rate per second.  A request takes cost tokens (1 at the gate;
-- a batch takes one more per further URL, in a second call with key_hash ''
-- and its subject); paid is what the request has taken already, so that
-- Retry-After says when the whole request would pass.
-- Returns {known (1|0), key id or '', allowed (1|0), remaining, retry_after_ms,
-- reset_s, admin (1|0: an admin key, see apikey.lua)}.
local id = ''
local known, admin = 0, 0
if ARGV[2] ~= '' then
  local akey = P .. 'apikey:' .. ARGV[2]
  local k = redis.call('HMGET', akey, 'name', 'id', 'admin')
  if not k[1] then return {0, '', 1, 0, 0, 0, 0} end
  known = 1
  if k[3] == '1' then admin = 1 end
  -- A key made before keys had ids owns its jobs by its name.
  id = k[2] or k[1]
  redis.call('HSET', akey, 'last_used', now)
end
local rate, burst = tonumber(ARGV[4]), tonumber(ARGV[5])
local cost, paid = tonumber(ARGV[6]), tonumber(ARGV[7])
if rate <= 0 then return {known, id, 1, burst, 0, 0, admin} end
local subject = (known == 1) and ('key:' .. id) or ARGV[3]
local rk = P .. 'ratelimit:' .. subject
local b = redis.call('HMGET', rk, 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
local allowed, retry = 1, 0
if tokens >= cost then
  tokens = tokens - cost
else
  allowed = 0
  retry = math.ceil((paid + cost - tokens) * 1000 / rate)
  redis.call('HINCRBY', P .. 'stats', 'rate_limited', 1)
end
redis.call('HSET', rk, 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', rk, math.ceil(burst * 1000 / rate) + 1000)
return {known, id, allowed, math.floor(tokens), retry, math.ceil((burst - tokens) / rate),
  admin}
