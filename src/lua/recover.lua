-- ARGV: prefix wid max_attempts culprit
-- A child died: requeue what it held.  culprit: the job it was
-- thumbnailing, or ''.
return recover_claim(ARGV[2], tonumber(ARGV[3]), ARGV[4])
