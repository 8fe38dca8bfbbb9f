--[[
  Takes the Slack socket lease when nobody holds it, under a new fencing number (SET NX PX with a counter).
  A holder asking again keeps its lease and its number (the time to live is renewed).

  Input:
    KEYS[1] the lease (string: "<fence>:<holder>")
    KEYS[2] the fencing counter (integer, only ever increased)
    ARGV[1] the holder (a replica's random id; never contains a colon)
    ARGV[2] the time to live (milliseconds)
  Output:
    the lease's value "<fence>:<holder>" when it is ours now; false when another holder has it
]]
local current = redis.call('GET', KEYS[1])
if current then
  local suffix = ':' .. ARGV[1]
  if string.sub(current, -#suffix) == suffix then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return current
  end
  return false
end
local fence = redis.call('INCR', KEYS[2])
local value = fence .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return value
