-- ARGV: prefix courier_id
-- A courier died: the deliveries it held go back to the webhook queue.
local n = 0
while redis.call('RPOPLPUSH', P .. 'courier:' .. ARGV[2], P .. 'webhooks') do n = n + 1 end
return n
