--[[
  Releases a lock only if it is still ours.
  Input:  KEYS[1] the lock; ARGV[1] our token
  Output: 1 released, 0 not ours (expired, or taken by another holder since)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
