--[[
  Takes the right to carry out one revocation, fenced: pending -> executing(owner, attempt). An executing
  claim whose lease has run out (its process crashed or hung) is taken over with the next attempt number;
  the new owner must re-read the token before anything (the old one may have deleted it).

  Input:
    KEYS[1] revocations (hash: id -> record JSON)
    KEYS[2] outcome counts (hash: status -> n)
    KEYS[3] finished revocations (sorted set: id by finish time, milliseconds)
    KEYS[4] lapses the digest has not told yet (set of ids; a run's commit removes those it told)
    ARGV[1] the revocation's id
    ARGV[2] the claiming owner (process and random part)
    ARGV[3] now (milliseconds since the epoch)
    ARGV[4] the lease (milliseconds)
    ARGV[5] who approves (kept on the first claim only)
    ARGV[6] now (ISO 8601)
    ARGV[7] approval window (milliseconds): a pending request older than this lapses instead (a quarantine,
            kind 'quarantine', never lapses: its policy approves it at its deadline)
  Output:
    { verdict, record JSON }: verdict 'claimed', 'resumed' (taken over after a lease ran out), 'busy'
    (another owner holds a live lease), 'lapsed' (just marked so), 'finished' (already done, refused...);
    { 'missing' } when there is no such revocation
]]
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then
  return { 'missing' }
end
local r = cjson.decode(json)
local now = tonumber(ARGV[3])
-- The claim is this owner's, under the next attempt number (the fence finish-revocation.lua checks).
local function take(verdict)
  r.owner = ARGV[2]
  r.attempt = (tonumber(r.attempt) or 0) + 1
  r.leaseUntil = now + tonumber(ARGV[4])
  local out = cjson.encode(r)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  return { verdict, out }
end
if r.status == 'pending' then
  if r.kind ~= 'quarantine' and now >= tonumber(r.requestedAtMs) + tonumber(ARGV[7]) then
    r.status = 'lapsed'
    r.outcome = 'not approved in time'
    r.finishedAt = ARGV[6]
    local out = cjson.encode(r)
    redis.call('HSET', KEYS[1], ARGV[1], out)
    redis.call('HINCRBY', KEYS[2], 'lapsed', 1)
    redis.call('ZADD', KEYS[3], now, ARGV[1])
    redis.call('SADD', KEYS[4], ARGV[1])
    return { 'lapsed', out }
  end
  r.status = 'executing'
  r.approvedBy = ARGV[5]
  r.approvedAt = ARGV[6]
  return take('claimed')
end
if r.status == 'executing' then
  if tonumber(r.leaseUntil) > now then
    return { 'busy', json }
  end
  return take('resumed')
end
return { 'finished', json }
