-- ARGV: prefix id url opts ttl_seconds dedupe_ttl_seconds priority callback_url
-- owner
-- One job (POST /v1/thumbnails); returns its record.
create_job(ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8],
  ARGV[9])
return redis.call('HGETALL', jobkey(ARGV[2]))
