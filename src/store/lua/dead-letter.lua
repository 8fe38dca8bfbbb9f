--[[
  Sets aside a message Slack refused for good: appends it to its route's dead letters and moves the
  digest's delivery past it, in one step, so the message is neither lost nor sent again.

  Input:
    KEYS[1] the digest (hash: messages, delivered, deadLetters)
    KEYS[2] the route's dead letters (list of JSON entries)
    KEYS[3] the routes holding dead letters (set)
    ARGV[1] the message's index in the digest
    ARGV[2] the dead letter (JSON: id, route, run, index, at, status, answer, payload: the message as JSON text)
    ARGV[3] the route
  Output: 1 when set aside, 0 when the digest is gone or already past the message (another attempt did it)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local delivered = tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0')
if delivered > tonumber(ARGV[1]) then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('HSET', KEYS[1], 'delivered', tonumber(ARGV[1]) + 1)
redis.call('HINCRBY', KEYS[1], 'deadLetters', 1)
return 1
