-- ARGV: prefix key_hash subject rate_per_s burst
-- The gate in front of every API request, in one round trip.  key_hash is
-- the SHA-256 of the bearer key ('' when auth is off or none was sent); the
-- key must exist.  subject is who is rate-limited (the key's name, or the
-- client address); rate 0 turns limiting off.  The limit is a token bucket:
-- burst requests at once, refilled at rate per second.
-- Returns {known (1|0), key name or '', allowed (1|0), remaining, retry_after_ms,
-- reset_s}.
local name = ''
local known = 0
if ARGV[2] ~= '' then
  name = redis.call('HGET', P .. 'apikey:' .. ARGV[2], 'name')
  if name then
    known = 1
    redis.call('HSET', P .. 'apikey:' .. ARGV[2], 'last_used', now)
  else
    return {0, '', 1, 0, 0, 0}
  end
end
local rate, burst = tonumber(ARGV[4]), tonumber(ARGV[5])
if rate <= 0 then return {known, name, 1, burst, 0, 0} end
local subject = (known == 1) and ('key:' .. name) or ARGV[3]
local rk = P .. 'ratelimit:' .. subject
local b = redis.call('HMGET', rk, 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
local allowed, retry = 1, 0
if tokens >= 1 then
  tokens = tokens - 1
else
  allowed = 0
  retry = math.ceil((1 - tokens) * 1000 / rate)
  redis.call('HINCRBY', P .. 'stats', 'rate_limited', 1)
end
redis.call('HSET', rk, 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', rk, math.ceil(burst * 1000 / rate) + 1000)
return {known, name, allowed, math.floor(tokens), retry, math.ceil((burst - tokens) / rate)}
