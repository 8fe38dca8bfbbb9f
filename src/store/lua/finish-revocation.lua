--[[
  Records how a revocation ended, only for the claim that carried it out (owner and attempt must still
  match: a claim taken over after its lease ran out cannot write over its successor). Counts the outcome
  and files the record for pruning after remediation.historyDays.

  Input:
    KEYS[1] revocations (hash: id -> record JSON)
    KEYS[2] outcome counts (hash: status -> n)
    KEYS[3] finished revocations (sorted set: id by finish time, milliseconds)
    ARGV[1] the revocation's id
    ARGV[2] the owner of the claim
    ARGV[3] the claim's attempt
    ARGV[4] the final status: done or refused
    ARGV[5] what happened, for people
    ARGV[6] when (ISO 8601)
    ARGV[7] when (milliseconds since the epoch)
    ARGV[8] with `done` only (optional): the "Revoked" messages as a JSON array text (opaque here)
    ARGV[9] with ARGV[8]: the outbox's run key for them (revoked-<id>)
    ARGV[10] with ARGV[8]: JSON { version, upserts: [[state key, AlertState JSON]...] }: the token's open
             findings marked revoked, written only if the alert state is still at that version
    KEYS[4] alert states (hash: state key -> AlertState JSON), KEYS[5] their version (counter)
    KEYS[6 + 2(i-1)], KEYS[7 + 2(i-1)]: route i's digest hash and outbox list, for ARGV[8]
  Output:
    the record's JSON, or false when the claim is no longer this one's
]]
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then
  return false
end
local r = cjson.decode(json)
if r.status ~= 'executing' or r.owner ~= ARGV[2] or tostring(r.attempt) ~= ARGV[3] then
  return false
end
r.status = ARGV[4]
r.outcome = ARGV[5]
r.finishedAt = ARGV[6]
r.leaseUntil = cjson.null
local out = cjson.encode(r)
redis.call('HSET', KEYS[1], ARGV[1], out)
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1])
-- Told in the same step as recorded: a revocation carried out is never left untold, nor told twice.
if ARGV[4] == 'done' and ARGV[8] then
  for i = 6, #KEYS, 2 do
    redis.call('HSET', KEYS[i], 'messages', ARGV[8], 'delivered', 0)
    redis.call('RPUSH', KEYS[i + 1], ARGV[9])
  end
  -- A run that read the states before this moved the version: its commit is refused and it plans again.
  -- States changed since they were read here are left alone: the run then resolves them as "deleted".
  local a = cjson.decode(ARGV[10])
  if #a.upserts > 0 and tonumber(redis.call('GET', KEYS[5]) or '0') == tonumber(a.version) then
    for _, u in ipairs(a.upserts) do
      redis.call('HSET', KEYS[4], u[1], u[2])
    end
    redis.call('INCR', KEYS[5])
  end
end
return out
