-- lib.lua: prepended to every thumbq script (see src/store.c).
-- ARGV[1] is always the key prefix.  Keys are built here from it, which is
-- fine on a single Redis or a replica set but not on Redis Cluster.
-- Times come from Redis (TIME), so hosts with skewed clocks agree.
-- doc/redis-layout.md lists every key and every field of a job's hash.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local P = ARGV[1]
local function jobkey(id) return P .. 'job:{' .. id .. '}' end
-- The Unix minute of a time in ms, as the text that names the keys kept
-- per minute (trend:MINUTE, ended:MINUTE).
local function minute_of(ms) return string.format('%d', math.floor(ms / 60000)) end

-- Queues: one pending list per priority, taken high first.  Every job made
-- ready also pushes a token on the wake list, on which idle workers block
-- (a Lua script cannot block); the list is trimmed so that tokens left by
-- jobs that busy workers took without waiting cannot pile up.  It is
-- trimmed to half the cap when it grows past it, so that a queue that
-- nobody takes from (all workers busy or stopped) costs one LTRIM per
-- WAKE_MAX / 2 jobs, not one per job; half the cap still wakes every idle
-- worker there can be.
local PRIORITIES = {'high', 'normal', 'low'}
-- Queued jobs waiting for their retry, by when it is due.  A thumbqd from
-- before this name used P delayed: promote.lua moves what one puts there,
-- stats.lua counts it and cancel.lua looks there too, so that hosts of
-- both versions can run side by side during an upgrade.
local RETRYING, OLD_RETRYING = P .. 'retrying', P .. 'delayed'
local WAKE_MAX = 1000
local function enqueue(id, prio, front)
  if prio ~= 'high' and prio ~= 'low' then prio = 'normal' end
  if front then
    redis.call('RPUSH', P .. 'pending:' .. prio, id)
  else
    redis.call('LPUSH', P .. 'pending:' .. prio, id)
  end
  if redis.call('LPUSH', P .. 'wake', '1') > WAKE_MAX then
    redis.call('LTRIM', P .. 'wake', 0, WAKE_MAX / 2 - 1)
  end
end

-- Duration histograms: one counter per bucket (not cumulative; the
-- metrics endpoint adds them up), plus the sum, in milliseconds.
local BOUNDS = {10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000}
local function observe(name, ms)
  if ms < 0 then ms = 0 end
  local b = '+Inf'
  for _, v in ipairs(BOUNDS) do
    if ms <= v then b = tostring(v); break end
  end
  redis.call('HINCRBY', P .. 'stats', name .. '_bucket:' .. b, 1)
  redis.call('HINCRBY', P .. 'stats', name .. '_sum_ms', ms)
end

-- Webhooks.  A delivery waits in a lane, one list per owner (API key) and
-- receiver host, and couriers take from the lanes in turn: each owner in
-- turn, and each of an owner's hosts in turn (webhook-claim.lua), so that a
-- client with many deliveries, or a receiver that never answers, waits for
-- its turn instead of holding up everyone else's.  F is 'new' for first
-- attempts and 'retry' for retries, which wait apart and run in a share of
-- the couriers' transfers of their own:
--   P wh:F:owners       ring (list) of the owners with deliveries waiting
--   P wh:F:hosts:O      ring of the hosts owner O has deliveries waiting for
--   P wh:F:q:O:HOST     the ids waiting, oldest first
-- O is the SHA1 of the owner ('' without a key), so that no key name can
-- reach into another's key names; HOST is the callback's host[:port].  A
-- lane is in its ring exactly while it holds ids.
-- The job hash says where its delivery is, in callback_at: 'queued' in a
-- lane, 'held' by a courier (in P courier:WID), 'delayed' until its retry is
-- due (in P webhooks_delayed); no field: delivered, given up, or none.  So
-- a job that ends again finds its delivery at once, instead of with an LREM
-- over a queue that may hold a million ids (36-46 ms of Redis's one thread).
local WEBHOOK_WAKE_MAX = 1000
local function webhook_host(url)
  local h = string.lower(string.match(url, '^%a[%w+.-]*://([^/?#]*)') or '')
  if #h > 255 then h = redis.sha1hex(h) end
  return h
end

-- Puts a job's delivery at the end of its lane, and wakes an idle courier
-- (a token on P webhooks:wake, trimmed as enqueue() trims P wake).
local function webhook_queue(job, id, family)
  local f = redis.call('HMGET', job, 'owner', 'callback')
  local owner = redis.sha1hex(f[1] or '')
  local host = webhook_host(f[2] or '')
  local base = P .. 'wh:' .. family .. ':'
  if redis.call('RPUSH', base .. 'q:' .. owner .. ':' .. host, id) == 1 and
    redis.call('RPUSH', base .. 'hosts:' .. owner, host) == 1 then
    redis.call('RPUSH', base .. 'owners', owner)
  end
  redis.call('HSET', job, 'callback_at', 'queued')
  if redis.call('LPUSH', P .. 'webhooks:wake', '1') > WEBHOOK_WAKE_MAX then
    redis.call('LTRIM', P .. 'webhooks:wake', 0, WEBHOOK_WAKE_MAX / 2 - 1)
  end
end

-- A job with a callback_url gets its webhook delivered by a courier.  A job
-- that ends again (thumbqctl requeue) starts its deliveries afresh and is
-- never queued twice: a delivery still waiting will carry the job as it is
-- when it is sent; one that a courier holds is followed by another once it
-- is done (callback_again, see webhook-done.lua), so that each ending is
-- delivered, one after the other; a retry waiting for its time is dropped
-- for a first attempt.
local function notify(job, id)
  if redis.call('HEXISTS', job, 'callback') == 1 then
    redis.call('HSET', job, 'callback_status', 'pending', 'callback_attempts', 0)
    redis.call('HDEL', job, 'callback_last_status')
    local at = redis.call('HGET', job, 'callback_at')
    if at == 'held' then
      redis.call('HSET', job, 'callback_again', 1)
    elseif at ~= 'queued' then
      if at == 'delayed' then redis.call('ZREM', P .. 'webhooks_delayed', id) end
      webhook_queue(job, id, 'new')
    end
  end
end

-- A courier died (or its host): what it held goes back to the lanes, first
-- attempts and retries each to their own.  Returns how many.
local function webhook_recover(wid)
  local n = 0
  while true do
    local id = redis.call('RPOP', P .. 'courier:' .. wid)
    if not id then break end
    local job = jobkey(id)
    local at = redis.call('HGET', job, 'callback_at')
    -- Gone (deleted or expired), or already back in a lane: nothing to do.
    if redis.call('EXISTS', job) == 1 and at ~= 'queued' and at ~= 'delayed' then
      redis.call('HDEL', job, 'callback_again')
      local tries = tonumber(redis.call('HGET', job, 'callback_attempts') or '0')
      webhook_queue(job, id, tries > 0 and 'retry' or 'new')
      n = n + 1
    end
  end
  return n
end

-- A thumbnail file is shared by every job answered from it (dedupe): the
-- set refs:{path} holds the ids of the jobs whose record names it, and the
-- last one to leave removes the file.  The set is made only when a second
-- job shares the file: most files have one job, whose record is then its
-- only user, and a set of one id cost about 400 bytes of Redis a job (the
-- set, its key, its expiry).  The set lives as long as its longest-lived
-- job's record (forever if one has no expiry), so that records Redis
-- expires on its own leave no set behind.
local function ref_add(path, id, job)
  local refs = P .. 'refs:' .. path
  redis.call('SADD', refs, id)
  local ttl = redis.call('PTTL', job)
  if ttl < 0 then
    redis.call('PERSIST', refs)
  else
    local have = redis.call('PTTL', refs)
    -- A set of one member is new; -1 on a larger one: a member never expires.
    if redis.call('SCARD', refs) == 1 or (have >= 0 and have < ttl) then
      redis.call('PEXPIRE', refs, ttl)
    end
  end
end

-- The file gets a second user: both join (or are in) its set.
local function ref_share(path, id, job, id2, job2)
  ref_add(path, id, job)
  ref_add(path, id2, job2)
end

-- The job leaves its thumbnail: returns the path when it was the last job
-- using it (the caller removes the file once the record is gone), else ''.
-- Without a set, the job was its only user (a set of one left by a
-- thumbq before the sets were made lazily is emptied the same way).
-- A job with variants has a file each, all made at once and shared as one
-- (dedupe answers with all of them): the set is the first one's (path),
-- and the answer lists all of them (vpaths, separated by spaces).
local function ref_drop(job, id)
  local f = redis.call('HMGET', job, 'path', 'vpaths')
  local path = f[1]
  if not path then return '' end
  local refs = P .. 'refs:' .. path
  local was = redis.call('SREM', refs, id)
  if redis.call('EXISTS', refs) == 1 then return '' end
  -- A record from before the sets shared its file the old way: leave it
  -- (a job that shares one now has a set while it does).
  if was == 0 and (redis.call('HEXISTS', job, 'source_job') == 1 or
      tonumber(redis.call('HGET', job, 'shared') or '0') > 0) then
    return ''
  end
  return f[2] or path
end

-- What a completed job's result is, field by field: what a job answered
-- from it (dedupe) or following it gets.
local RESULT = {'path', 'width', 'height', 'vpaths', 'vsizes', 'blurhash', 'color'}
local function copy_result(from, to)
  local g = redis.call('HMGET', from, unpack(RESULT))
  local f = {}
  for i, name in ipairs(RESULT) do
    if g[i] then f[#f + 1] = name; f[#f + 1] = g[i] end
  end
  if #f > 0 then redis.call('HSET', to, unpack(f)) end
  return g[1]
end

-- Trends for the last hours: one hash per minute, P trend:MINUTE (Unix
-- minutes), with the jobs that ended in it (completed, failed, cancelled)
-- and a histogram of submit->completed times of the completed ones (field
-- ms:LOW-HIGH, the bucket's ends in ms, HIGH +Inf for the last; only the
-- buckets that were hit are there, so each names both ends).  Cheap and
-- bounded: two HINCRBYs per job, an EXPIRE when a field is new, and no
-- hash outlives TREND_TTL.  /v1/metrics and the console read them
-- (trend.lua); the finer bounds than BOUNDS are for p50/p99.
local TREND_TTL = 7200
local TREND_BOUNDS = {5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500,
  2000, 3000, 5000, 7500, 10000, 15000, 20000, 30000, 60000, 120000, 300000}
local function trend(status, code, ms)
  local k = P .. 'trend:' .. minute_of(now)
  local what = status
  if code == 'cancelled' then what = 'cancelled' end
  if redis.call('HINCRBY', k, what, 1) == 1 then redis.call('EXPIRE', k, TREND_TTL) end
  if status ~= 'completed' then return end
  local lo, hi = 0, '+Inf'
  for _, v in ipairs(TREND_BOUNDS) do
    if ms <= v then hi = v; break end
    lo = v
  end
  redis.call('HINCRBY', k, string.format('ms:%d-', lo) .. hi, 1)
end

-- The index of ended jobs, read by the expiry sweep (purge.lua) and the
-- operator's list of completed jobs (admin-list.lua): one list per minute
-- of ends, P ended:MINUTE (Unix minutes), its ids in the order they ended,
-- and P ended_minutes, the minutes that have a list.  An id in a list costs
-- about 40 bytes where a member of the sorted set P finished cost 136
-- (issue 17); a finished job's updated is when it ended, so its minute is
-- found again.  A thumbq before 2026-12 indexed in P finished: purge.lua
-- and admin-list.lua read it too until it is empty.
local function ended_add(id)
  local m = minute_of(now)
  if redis.call('RPUSH', P .. 'ended:' .. m, id) == 1 then
    redis.call('ZADD', P .. 'ended_minutes', m, m)
  end
end

-- A finished job leaves the index (DELETE, the operator's requeue), and
-- its minute too when it was the last of it, so that no walk of the index
-- meets empty minutes.  An id is in one list once: LREM looks from the
-- end, where a job just ended is (a cancelled job, or one deleted soon
-- after), and stops at it instead of reading the whole minute.
local function ended_remove(job, id)
  local u = tonumber(redis.call('HGET', job, 'updated') or '')
  if u then
    local m = minute_of(u)
    local key = P .. 'ended:' .. m
    if redis.call('LREM', key, -1, id) > 0 and redis.call('EXISTS', key) == 0 then
      redis.call('ZREM', P .. 'ended_minutes', m)
    end
  end
  redis.call('ZREM', P .. 'finished', id)
end

-- Dedupe: P dedupe:SHA1 names the job that answers requests identical to
-- it, SHA1 of its owner, what it asked (options, variants, placeholder) and
-- its URL; per owner, since one client's thumbnails are no answer to
-- another's jobs.  A job without variants or placeholder keeps the key it
-- always had.
local function dedupe_key(owner, opts, variants, placeholder, url)
  local asked = opts
  if variants and variants ~= '' then asked = asked .. ' variants ' .. variants end
  if placeholder == '1' then asked = asked .. ' placeholder' end
  return P .. 'dedupe:' .. redis.sha1hex(owner .. ' ' .. asked .. ' ' .. url)
end

-- A job's dedupe key, made again from its record rather than kept in it (a
-- field of 60 bytes in every job, issue 17): only a failure, a DELETE and
-- an heir need it.  A record from before kept it as 'dkey'.
local function job_dedupe_key(job)
  local f = redis.call('HMGET', job, 'dkey', 'owner', 'opts', 'variants', 'placeholder', 'url')
  if f[1] then return f[1] end
  if not f[3] or not f[6] then return nil end
  return dedupe_key(f[2] or '', f[3], f[4], f[5], f[6])
end

-- The job leaves dedupe (it failed, or is deleted): its key goes if it
-- still names the job (a follower's names the job it follows).
local function dedupe_drop(job, id)
  local dkey = job_dedupe_key(job)
  if dkey and redis.call('GET', dkey) == id then redis.call('DEL', dkey) end
end

-- A job is done for good: status, counters, the indexes that thumbqctl
-- and the expiry sweep read, its thumbnail's reference, the identical
-- requests that waited for it (dedupe followers), which end the same way
-- with the same file, and webhooks.
local function finished(job, id, status, code)
  -- Fields that served only while it was in flight, which every finished
  -- job would keep for nothing (issue 17): claimed, for the processing
  -- histogram (finish.lua) and the console's Now, and on completion file,
  -- the name later attempts reuse (a failed job may be queued again).
  if status == 'completed' then
    redis.call('HDEL', job, 'lease', 'claimed', 'file')
  else
    redis.call('HDEL', job, 'lease', 'claimed')
  end
  redis.call('HSET', job, 'status', status, 'updated', now)
  redis.call('ZREM', P .. 'leases', id)
  ended_add(id)
  local e2e = now - tonumber(redis.call('HGET', job, 'created') or now)
  observe('e2e', e2e)
  trend(status, code, e2e)
  if status == 'failed' then
    redis.call('ZADD', P .. 'failed', now, id)
    redis.call('HINCRBY', P .. 'stats', 'failed:' .. code, 1)
    -- A failure must not answer the next identical request.
    dedupe_drop(job, id)
  else
    redis.call('HINCRBY', P .. 'stats', 'completed', 1)
    -- A job answered from another (create_job()) joins the set made for
    -- it; a job alone has none.
    local path = redis.call('HGET', job, 'path')
    if path and redis.call('EXISTS', P .. 'refs:' .. path) == 1 then ref_add(path, id, job) end
  end
  notify(job, id)
  local fkey = P .. 'followers:' .. id
  local followers = redis.call('LRANGE', fkey, 0, -1)
  if #followers > 0 then
    local f = redis.call('HMGET', job, 'path', 'width', 'height', 'error_code', 'error_message')
    for _, fid in ipairs(followers) do
      local fj = jobkey(fid)
      local st = redis.call('HGET', fj, 'status')
      if st == 'queued' then
        if status == 'completed' then
          redis.call('HSET', fj, 'path', f[1] or '', 'width', f[2] or '0', 'height', f[3] or '0')
          copy_result(job, fj)
          if f[1] then ref_share(f[1], id, job, fid, fj) end
        else
          redis.call('HSET', fj, 'error_code', f[4] or code, 'error_message', f[5] or '')
        end
        redis.call('HSET', fj, 'status', status, 'updated', now)
        ended_add(fid)
        notify(fj, fid)
        local fe2e = now - tonumber(redis.call('HGET', fj, 'created') or now)
        observe('e2e', fe2e)
        trend(status, code, fe2e)
        if status == 'failed' then
          redis.call('ZADD', P .. 'failed', now, fid)
          redis.call('HINCRBY', P .. 'stats', 'failed:' .. code, 1)
        else
          redis.call('HINCRBY', P .. 'stats', 'completed', 1)
        end
      end
    end
    redis.call('DEL', fkey)
  end
end

-- Puts a job back at the head of pending, or fails it for good when it has
-- used up its attempts: a job that crashes every worker that takes it must
-- not crash them forever.
local function requeue(job, id, max, why)
  local attempts = tonumber(redis.call('HGET', job, 'attempts') or '0')
  redis.call('ZREM', P .. 'leases', id)
  if attempts >= max then
    redis.call('HSET', job, 'error_code', why, 'error_message',
      'gave up after ' .. attempts .. ' attempts: ' .. why)
    finished(job, id, 'failed', why)
    return 0
  end
  redis.call('HDEL', job, 'lease')
  redis.call('HSET', job, 'status', 'queued', 'updated', now)
  enqueue(id, redis.call('HGET', job, 'prio'), true)
  redis.call('HINCRBY', P .. 'stats', 'requeued:' .. why, 1)
  return 1
end

-- A worker is done with the job it claimed: the claim ends either way.
-- True if the worker still holds the lease (only then may it record a
-- result: one whose lease ran out cannot overwrite a newer one).
local function release_claim(job, id, wid)
  redis.call('LREM', P .. 'claim:' .. wid, 0, id)
  return redis.call('HGET', job, 'lease') == wid and
    redis.call('HGET', job, 'status') == 'processing'
end

-- Empties a dead child's claim list: each job it held goes back to the
-- queue, unless another worker holds it by now.  culprit: the job the child
-- was thumbnailing when it died, if it said so (nil or '' otherwise, or for
-- a whole host gone).  Then only that job keeps the attempt its claim used:
-- the others were downloading or waiting for the decoder, and get theirs
-- back, so that an image that kills its worker does not use up the attempts
-- of the jobs downloaded beside it.  Without one, every job keeps it.
local function recover_claim(wid, max, culprit)
  local claim = P .. 'claim:' .. wid
  local n = 0
  while true do
    local id = redis.call('RPOP', claim)
    if not id then break end
    local job = jobkey(id)
    local st = redis.call('HGET', job, 'status')
    if st == 'queued' or (st == 'processing' and redis.call('HGET', job, 'lease') == wid) then
      if culprit and culprit ~= '' and id ~= culprit and st == 'processing' then
        redis.call('HINCRBY', job, 'attempts', -1)
      end
      n = n + requeue(job, id, max, 'worker_died')
    end
  end
  return n
end


-- Creates a job in one step, so that a crash leaves either the job or
-- nothing.  With dedupe on (dttl > 0), the same URL with the same options as
-- a job completed lately is answered from that job's thumbnail at once, and
-- one still in flight is waited for (this job follows it); otherwise the job
-- is queued.  The job it was answered from or follows is kept in its
-- record for operators (source_job), never shown to its client: that id
-- belongs to whoever made that job.  Returns the new job's status, or
-- nothing if the job existed already.
-- The caller knows every other field of a queued job, so that the common
-- answer needs no HGETALL.  ttl and dttl are decimal strings as the C side
-- sends them, and on the common path every number passed to redis.call is
-- a string too: Lua turns a number into text with printf("%.14g"), which
-- costs more than the command it is an argument of.
-- variants (the variants' options texts, '' for none) and placeholder
-- ('1' or '') are part of what is asked, so of the dedupe key too; a job
-- without them keeps the key it always had.
local function create_job(id, url, opts, ttl, dttl, prio, callback, owner,
    unconfirmed, variants, placeholder)
  local job = jobkey(id)
  -- Run twice (a retry after a lost reply): the job exists, once.
  if redis.call('EXISTS', job) == 1 then return end
  local created = string.format('%d', now)
  local f = {'id', id, 'url', url, 'status', 'queued', 'opts', opts,
    'attempts', '0', 'created', created, 'updated', created}
  -- Without prio a record is normal (as records from before priorities
  -- are): 13 bytes fewer in most jobs.
  if prio ~= 'normal' then f[#f + 1] = 'prio'; f[#f + 1] = prio end
  if callback ~= '' then f[#f + 1] = 'callback'; f[#f + 1] = callback end
  if owner ~= '' then f[#f + 1] = 'owner'; f[#f + 1] = owner end
  if unconfirmed == '1' then f[#f + 1] = 'unconfirmed'; f[#f + 1] = '1' end
  if variants and variants ~= '' then f[#f + 1] = 'variants'; f[#f + 1] = variants end
  if placeholder == '1' then f[#f + 1] = 'placeholder'; f[#f + 1] = '1' end
  local dkey, prev, st
  if dttl ~= '0' then
    dkey = dedupe_key(owner, opts, variants, placeholder, url)
    prev = redis.call('GET', dkey)
    st = prev and redis.call('HGET', jobkey(prev), 'status')
    -- prev's client was answered 503 (too few replicas confirmed it,
    -- redis_min_replicas) and told to retry: this is the retry, and prev
    -- its answer, not a job that follows it.
    if unconfirmed == '1' and (st == 'queued' or st == 'processing' or st == 'completed') and
        redis.call('HEXISTS', jobkey(prev), 'unconfirmed') == 1 then
      return 'again', prev
    end
    if st == 'queued' or st == 'processing' then
      f[#f + 1] = 'source_job'; f[#f + 1] = prev
    end
  end
  -- One HSET for every field the job starts with.
  redis.call('HSET', job, unpack(f))
  if ttl ~= '0' then redis.call('EXPIRE', job, ttl) end
  redis.call('HINCRBY', P .. 'stats', 'accepted', '1')
  if st == 'completed' then
    local pj = jobkey(prev)
    local path = redis.call('HGET', pj, 'path')
    if path then
      -- The file now serves this job too, and lives as long as one of
      -- them: the earlier job's set is made here (finished() adds this
      -- job to it).
      ref_add(path, prev, pj)
      copy_result(pj, job)
      redis.call('HSET', job, 'source_job', prev)
      finished(job, id, 'completed', '')
      redis.call('HINCRBY', P .. 'stats', 'dedupe_hits', 1)
      return 'completed'
    end
    -- A completed job without a file: this one is made afresh.
  elseif st == 'queued' or st == 'processing' then
    redis.call('RPUSH', P .. 'followers:' .. prev, id)
    if ttl ~= '0' then redis.call('EXPIRE', P .. 'followers:' .. prev, ttl) end
    redis.call('HINCRBY', P .. 'stats', 'dedupe_follows', 1)
    return 'queued'
  end
  if dkey then redis.call('SET', dkey, id, 'EX', dttl) end
  enqueue(id, prio, false)
  return 'queued'
end
