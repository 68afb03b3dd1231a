-- ARGV: prefix wid max_attempts
-- A child died: requeue what it held.
return recover_claim(ARGV[2], tonumber(ARGV[3]))
