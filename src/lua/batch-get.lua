-- ARGV: prefix batch_id
-- A batch and the records of its jobs in one round trip: false if unknown,
-- else {created, record of job 1, record of job 2, ...}; a job that expired
-- or was deleted has an empty record.
local b = redis.call('HMGET', P .. 'batch:{' .. ARGV[2] .. '}', 'created', 'jobs')
if not b[1] then return false end
local out = {b[1]}
for id in string.gmatch(b[2] or '', '%S+') do
  out[#out + 1] = redis.call('HGETALL', jobkey(id))
end
return out
