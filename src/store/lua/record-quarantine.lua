--[[
  Records a quarantine (remediation.quarantine): a pending revocation made by the policy for a token the
  sentinel found, once per token. A second sweep finding the same token (its first commit was refused, or
  the worker died before it) gets the record made the first time, with its first deadline, back. Called again
  once the sweep committed, with ARGV[5]: a pending record is marked announced by that sweep's message (the
  one the deadline check waits to see delivered).

  Input:
    KEYS[1] revocations (hash: id -> record JSON)
    KEYS[2] the quarantine of each token (hash: clientId/tokenId -> revocation id)
    KEYS[3] quarantines by deadline (sorted set: id by deadline, milliseconds): what the deadline check reads
    ARGV[1] the token (clientId/tokenId)
    ARGV[2] the revocation's id
    ARGV[3] its record JSON (status pending, kind quarantine; opaque here)
    ARGV[4] its deadline (milliseconds since the epoch)
    ARGV[5] JSON { sweep, routes } of the message announcing it (or null)
  Output:
    the record's JSON: the one recorded before for this token if there is one, else ARGV[3]
]]
local id = redis.call('HGET', KEYS[2], ARGV[1])
if id then
  local json = redis.call('HGET', KEYS[1], id)
  if json then
    local r = cjson.decode(json)
    local announced = cjson.decode(ARGV[5])
    if r.status ~= 'pending' or announced == cjson.null then
      return json
    end
    r.quarantine.announcedIn = announced
    local out = cjson.encode(r)
    redis.call('HSET', KEYS[1], id, out)
    return out
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return ARGV[3]
