-- ARGV: prefix host_id
-- A host whose thumbqd stops cleanly leaves the list of living hosts.
redis.call('DEL', P .. 'master:' .. ARGV[2])
return redis.call('ZREM', P .. 'masters', ARGV[2])
