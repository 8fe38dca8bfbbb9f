--[[
  Extends a lock only if it is still ours.
  Input:  KEYS[1] the lock; ARGV[1] our token; ARGV[2] the new time to live in ms
  Output: 1 renewed, 0 not ours (expired, or taken by another holder since)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
