-- ARGV: prefix id wid attempts lease_ms
-- A worker starts thumbnailing a job it claimed and downloaded earlier: the
-- lease runs lease_ms from now, so that the time the job waited for the
-- decoder behind others does not count against it.  Only for the claim
-- that is still current: this worker's lease on this attempt.  A job
-- requeued while it waited and claimed again (by this very worker, even)
-- is another claim; 0 then tells the worker not to decode its stale copy.
local f = redis.call('HMGET', jobkey(ARGV[2]), 'status', 'lease', 'attempts')
if f[1] ~= 'processing' or f[2] ~= ARGV[3] or f[3] ~= ARGV[4] then return 0 end
redis.call('ZADD', P .. 'leases', now + tonumber(ARGV[5]), ARGV[2])
return 1
