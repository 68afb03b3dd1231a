-- ARGV: prefix id wid status bytes_fetched error_code, then field/value pairs
-- Finishes the job (completed or failed) only for the current lease holder,
-- so a worker whose lease ran out cannot overwrite a newer result.
local job = jobkey(ARGV[2])
if not release_claim(job, ARGV[2], ARGV[3]) then return 0 end
redis.call('HDEL', job, 'error_code', 'error_message')
for i = 7, #ARGV, 2 do redis.call('HSET', job, ARGV[i], ARGV[i + 1]) end
observe('processing', now - tonumber(redis.call('HGET', job, 'claimed') or now))
redis.call('HINCRBY', P .. 'stats', 'bytes_fetched', tonumber(ARGV[5]))
finished(job, ARGV[2], ARGV[4], ARGV[6])
return 1
