-- ARGV: prefix courier_id family(new|retry) max owner_max host_max nhosts,
--   then nhosts pairs host count, then pairs owner count
-- Takes up to max deliveries of family from the lanes (see lib.lua) into
-- the courier's list (P courier:WID), so that nothing is lost if it dies:
-- owners in turn, and each owner's hosts in turn, passing over an owner
-- that holds owner_max of this courier's deliveries of family and a host
-- that holds host_max of all its deliveries (the counts come with the
-- call: the courier knows what it runs).  The rings rotate in Redis, so the
-- turns are shared by every courier of every host.  Ids whose job is gone
-- are dropped on the way.  Returns {owner, host, job fields} per delivery.
local family, max = ARGV[3], tonumber(ARGV[4])
local owner_max, host_max = tonumber(ARGV[5]), tonumber(ARGV[6])
local hosts, owners = {}, {}
local i = 8
for _ = 1, tonumber(ARGV[7]) do
  hosts[ARGV[i]] = tonumber(ARGV[i + 1])
  i = i + 2
end
while i < #ARGV do
  owners[ARGV[i]] = tonumber(ARGV[i + 1])
  i = i + 2
end
local base = P .. 'wh:' .. family .. ':'
local ring = base .. 'owners'
local held = P .. 'courier:' .. ARGV[2]
-- Ring steps one call may take, so that rings full of owners and hosts
-- that are all at their bounds cost a bounded pass, not a scan.
local budget = 100 + 8 * max

-- Deliveries queued by a thumbq from before the lanes (one list, P
-- webhooks) move into them, a few per call.
for _ = 1, 100 do
  local id = redis.call('RPOP', P .. 'webhooks')
  if not id then break end
  local job = jobkey(id)
  if redis.call('EXISTS', job) == 1 and not redis.call('HGET', job, 'callback_at') then
    local tries = tonumber(redis.call('HGET', job, 'callback_attempts') or '0')
    webhook_queue(job, id, tries > 0 and 'retry' or 'new')
  end
end

-- One host's turn: the next id of the first lane in turn that is not at a
-- bound, with its owner and host; nil when there is none (or no budget).
-- The owner and host taken move to the ends of their rings, and leave them
-- when their lane is empty (they are at the ends: an RPOP).
local function take()
  for _ = 1, redis.call('LLEN', ring) do
    budget = budget - 1
    if budget < 0 then return nil end
    local owner = redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT')
    if not owner then return nil end
    if (owners[owner] or 0) < owner_max then
      local hring = base .. 'hosts:' .. owner
      for _ = 1, redis.call('LLEN', hring) do
        budget = budget - 1
        if budget < 0 then return nil end
        local host = redis.call('LMOVE', hring, hring, 'LEFT', 'RIGHT')
        if not host then break end
        if (hosts[host] or 0) < host_max then
          local q = base .. 'q:' .. owner .. ':' .. host
          local id = redis.call('LPOP', q)
          if redis.call('LLEN', q) == 0 then
            redis.call('RPOP', hring)
            if redis.call('LLEN', hring) == 0 then redis.call('RPOP', ring) end
          end
          if id then return id, owner, host end
        end
      end
    end
  end
  return nil
end

local out = {}
while #out < max do
  local id, owner, host = take()
  if not id then break end
  local job = jobkey(id)
  if redis.call('HGET', job, 'callback_at') == 'queued' then
    redis.call('RPUSH', held, id)
    redis.call('HSET', job, 'callback_at', 'held')
    hosts[host] = (hosts[host] or 0) + 1
    owners[owner] = (owners[owner] or 0) + 1
    out[#out + 1] = {owner, host, redis.call('HGETALL', job)}
  end
end
-- With every lane empty, the wake tokens left are for deliveries taken
-- already (busy couriers take without waiting): an idle courier must not
-- wake for each of them.
if redis.call('EXISTS', P .. 'wh:new:owners', P .. 'wh:retry:owners') == 0 then
  redis.call('DEL', P .. 'webhooks:wake')
end
return out
