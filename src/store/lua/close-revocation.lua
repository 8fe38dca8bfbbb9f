--[[
  Closes a revocation that was never carried out: pending -> cancelled, lapsed or kept (`revoke keep`: the
  token was approved to stay), and a quarantine at its deadline -> muted, dry-run or refused. Only from
  pending: one being carried out, or already finished, is left as it is. A lapse, and every quarantine closed
  so (nothing deleted), is for the digest to tell once.

  Input:
    KEYS[1] revocations (hash: id -> record JSON)
    KEYS[2] outcome counts (hash: status -> n)
    KEYS[3] finished revocations (sorted set: id by finish time, milliseconds)
    KEYS[4] endings the digest has not told yet: lapses and quarantines closed (set of ids; a run's commit
            removes those it told)
    ARGV[1] the revocation's id
    ARGV[2] the new status: cancelled, lapsed, kept, muted, dry-run or refused
    ARGV[3] who closed it (empty: nobody, it lapsed)
    ARGV[4] what happened, for people (kept: who and why)
    ARGV[5] when (ISO 8601)
    ARGV[6] when (milliseconds since the epoch)
  Output:
    { 'closed', record JSON }, { 'not-pending', record JSON }, or { 'missing' }
]]
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then
  return { 'missing' }
end
local r = cjson.decode(json)
if r.status ~= 'pending' then
  return { 'not-pending', json }
end
r.status = ARGV[2]
if ARGV[3] ~= '' then
  r.closedBy = ARGV[3]
end
r.outcome = ARGV[4]
r.finishedAt = ARGV[5]
local out = cjson.encode(r)
redis.call('HSET', KEYS[1], ARGV[1], out)
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
if ARGV[2] == 'lapsed' or r.kind == 'quarantine' then
  redis.call('SADD', KEYS[4], ARGV[1])
end
return { 'closed', out }
