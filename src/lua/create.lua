-- ARGV: prefix id url box_width box_height ttl_seconds
-- Creates a job and queues it in one step: a crash can leave either a
-- queued job or nothing.
local job = jobkey(ARGV[2])
redis.call('HSET', job, 'id', ARGV[2], 'url', ARGV[3], 'status', 'queued',
  'bw', ARGV[4], 'bh', ARGV[5], 'attempts', 0, 'created', now, 'updated', now)
if tonumber(ARGV[6]) > 0 then redis.call('EXPIRE', job, ARGV[6]) end
redis.call('LPUSH', P .. 'pending', ARGV[2])
redis.call('HINCRBY', P .. 'stats', 'accepted', 1)
return now
