-- ARGV: prefix courier_id
-- A courier died: the deliveries it held go back to their lanes.
return webhook_recover(ARGV[2])
