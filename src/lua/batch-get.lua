-- ARGV: prefix batch_id owner
-- A batch and the records of its jobs in one round trip: false if unknown
-- (or another key's), else {created, record of job 1, record of job 2, ...};
-- a job that expired or was deleted has an empty record.
local b = redis.call('HMGET', P .. 'batch:{' .. ARGV[2] .. '}', 'created', 'jobs', 'owner')
if not b[1] or (ARGV[3] ~= '' and b[3] ~= ARGV[3]) then return false end
local out = {b[1]}
for id in string.gmatch(b[2] or '', '%S+') do
  out[#out + 1] = redis.call('HGETALL', jobkey(id))
end
return out
