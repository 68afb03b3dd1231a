-- ARGV: prefix batch_id opts ttl_seconds dedupe_ttl_seconds priority
-- callback_url owner variants placeholder, then id url pairs.  All the jobs of a batch and its record in one step, so a
-- crash leaves the whole batch or nothing.  Returns id, status pairs.
local bid, opts, prio = ARGV[2], ARGV[3], ARGV[6]
local ttl, dttl = ARGV[4], ARGV[5]
local ids, out = {}, {}
for i = 11, #ARGV, 2 do
  local st = create_job(ARGV[i], ARGV[i + 1], opts, ttl, dttl, prio, ARGV[7], ARGV[8],
    '', ARGV[9], ARGV[10])
  ids[#ids + 1] = ARGV[i]
  out[#out + 1] = ARGV[i]
  out[#out + 1] = st or redis.call('HGET', jobkey(ARGV[i]), 'status')
end
local bkey = P .. 'batch:{' .. bid .. '}'
redis.call('HSET', bkey, 'id', bid, 'created', now, 'opts', opts, 'prio', prio,
  'owner', ARGV[8], 'jobs', table.concat(ids, ' '))
if ttl ~= '0' then redis.call('EXPIRE', bkey, ttl) end
redis.call('HINCRBY', P .. 'stats', 'batches', 1)
return out
