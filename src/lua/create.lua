-- ARGV: prefix id url opts ttl_seconds dedupe_ttl_seconds priority callback_url
-- owner variants placeholder unconfirmed ('1': the API waits for replicas
-- before it answers 201, and a job it could not confirm is the answer to the
-- client's retry)
-- One job (POST /v1/thumbnails).  A job queued now (the common answer)
-- returns {created_ms}: the caller knows the rest of its record.  One
-- answered at once from a finished job, or one that existed already (a
-- retry after a lost reply), returns its whole record (HGETALL).
local status, same = create_job(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7],
  ARGV[8], ARGV[9], ARGV[12], ARGV[10], ARGV[11])
if status == 'queued' then return {now} end
return redis.call('HGETALL', jobkey(same or ARGV[2]))
