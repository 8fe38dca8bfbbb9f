--[[
  Takes one Slack interaction for its work, fenced by the socket lease: only the lease's holder (its exact value,
  fencing number included) may, and only once per interaction, whichever replica it was delivered to and however
  often.

  Input:
    KEYS[1] the socket lease (string: "<fence>:<holder>")
    KEYS[2] the interaction's claim (string: the claiming lease value; expires)
    ARGV[1] the claimant's lease value
    ARGV[2] how long a claim is remembered (milliseconds)
  Output:
    'claimed' (do the work), 'duplicate' (already taken: do nothing), 'not-holder' (the lease is not ours)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 'not-holder'
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 'claimed'
end
return 'duplicate'
