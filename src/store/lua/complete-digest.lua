--[[
  A digest Slack accepted whole: drop it from its route's outbox; once every digest of its run is
  delivered, mark the run delivered and move the last success to the run's commit time. A digest with
  dead letters (messages Slack refused for good) counts them on the run record: such a run ends
  `failed` and does not move the last success, since Slack did not get everything it had to say.

  Input:
    KEYS[1] the digest (hash: messages, delivered, committedAt, deadLetters)
    KEYS[2] its route's outbox (list of run keys)
    KEYS[3] the run record (hash: report, delivery, committedAt, deadLetters, and per route state:, error:, dead:)
    KEYS[4] routes whose digest of this run is not delivered yet (set)
    KEYS[5] last success (ms since epoch)
    KEYS[6] (optional) what Slack got of each run of the history (hash: run -> pending | delivered | failed;
      only a run whose commit put it there is updated: the commit that prunes the history drops it)
    ARGV[1] the run key
    ARGV[2] the route
  Output: 1 when this was the run's last undelivered digest, else 0
]]
local committedAt = redis.call('HGET', KEYS[1], 'committedAt')
local deadLetters = tonumber(redis.call('HGET', KEYS[1], 'deadLetters') or '0')
local runExists = redis.call('EXISTS', KEYS[3]) == 1
if deadLetters > 0 and runExists then
  -- What `runs` and `trigger --wait` say of the route: failed, with how many messages are dead letters.
  redis.call('HINCRBY', KEYS[3], 'deadLetters', deadLetters)
  local n = redis.call('HINCRBY', KEYS[3], 'dead:' .. ARGV[2], deadLetters)
  redis.call('HSET', KEYS[3], 'state:' .. ARGV[2], 'failed', 'error:' .. ARGV[2],
    n .. ' refused by Slack for good, kept as dead letters (deliveries dead-letters)')
end
redis.call('DEL', KEYS[1])
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('SREM', KEYS[4], ARGV[2])
if redis.call('SCARD', KEYS[4]) > 0 then
  return 0
end
local failed = deadLetters > 0 or (runExists and tonumber(redis.call('HGET', KEYS[3], 'deadLetters') or '0') > 0)
local outcome = failed and 'failed' or 'delivered'
if runExists then
  redis.call('HSET', KEYS[3], 'delivery', outcome)
end
-- Kept beside the run's history summary, which outlives its record (history.days).
if KEYS[6] and redis.call('HEXISTS', KEYS[6], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[6], ARGV[1], outcome)
end
if failed then
  return 1
end
if committedAt then
  local last = redis.call('GET', KEYS[5])
  if not last or tonumber(last) < tonumber(committedAt) then
    redis.call('SET', KEYS[5], committedAt)
  end
end
return 1
