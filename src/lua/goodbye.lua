-- ARGV: prefix master_id
-- A master that stops cleanly leaves the list of living masters.
redis.call('DEL', P .. 'master:' .. ARGV[2])
return redis.call('ZREM', P .. 'masters', ARGV[2])
