--[[
  Removes one run-time mute and records that it was removed, in one step: the next digest tells it.

  Input:
    KEYS[1] mutes (hash: id -> mute JSON)
    KEYS[2] mute events not yet told (list of event JSON, oldest first)
    ARGV[1] the mute's id
    ARGV[2] when (ISO 8601)
    ARGV[3] who removed it
  Output:
    the removed mute's JSON, or false when there is no such mute
]]
local mute = redis.call('HGET', KEYS[1], ARGV[1])
if not mute then
  return false
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2],
  '{"kind":"removed","at":' .. cjson.encode(ARGV[2]) .. ',"by":' .. cjson.encode(ARGV[3]) .. ',"mute":' .. mute .. '}')
return mute
