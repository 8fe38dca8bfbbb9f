--[[
  Puts a dead letter back in its route's outbox, as a digest of its own, and drops it from the dead
  letters in the same step: it is delivered by the route's next delivery, once.

  Input:
    KEYS[1] the route's dead letters (list of JSON entries)
    KEYS[2] the digest to create (hash: messages, delivered)
    KEYS[3] the route's outbox (list of run keys)
    KEYS[4] the routes holding dead letters (set)
    ARGV[1] the dead letter's id
    ARGV[2] the digest's run key (what the outbox lists)
    ARGV[3] the route
  Output: 1 when requeued, 0 when there is no such dead letter
]]
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
for _, raw in ipairs(entries) do
  local entry = cjson.decode(raw)
  if entry.id == ARGV[1] then
    redis.call('LREM', KEYS[1], 1, raw)
    -- The payload is kept as the JSON text it was committed as: cjson would turn an empty array into {}.
    redis.call('HSET', KEYS[2], 'messages', '[' .. entry.payload .. ']', 'delivered', 0)
    redis.call('RPUSH', KEYS[3], ARGV[2])
    if redis.call('LLEN', KEYS[1]) == 0 then
      redis.call('SREM', KEYS[4], ARGV[3])
    end
    return 1
  end
end
return 0
