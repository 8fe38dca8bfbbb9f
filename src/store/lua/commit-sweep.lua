--[[
  Commits one sentinel sweep atomically: the alert states of the findings it posts (notified now), its
  "New token" messages in each route's outbox, and the token ids it has now seen; only if no run or sweep
  committed alert state since this sweep read it. Run records, open counts and coverage are left alone.

  Input:
    KEYS[1] alert states (hash: state key -> AlertState JSON)
    KEYS[2] state version (counter)
    KEYS[3 + 2(i-1)], KEYS[4 + 2(i-1)]: digest i's hash and its route's outbox list (i = 1..#digests)
    KEYS[3 + 2 #digests + (j-1)]: the seen-token set of account j (j = 1..#seen)
    with `entry` only, after those: the sweep's run-like record (hash), the index of committed runs (sorted
    set), the routes whose messages of the sweep are not delivered yet (set), the history (sorted set:
    compact summary JSON by start), the oldest open finding's first seen by severity (hash) and what
    Slack got of each run of the history (hash)
    ARGV[1] JSON: { sweep, version, upserts: [[key, AlertState JSON]...],
                    digests: [{ messages (a JSON text, opaque here) }], seen: [[id, id...]...],
                    entry (optional): { head, counts, routes (JSON texts), pending: [route...], started, ttl,
                      history (JSON text),
                      oldest ([[severity, ms]...], or absent: the hash is left alone) } }
  Output:
     1 committed
    -1 the version moved since the states were read: nothing written
]]
local a = cjson.decode(ARGV[1])

if tonumber(redis.call('GET', KEYS[2]) or '0') ~= tonumber(a.version) then
  return -1
end
for _, u in ipairs(a.upserts) do
  redis.call('HSET', KEYS[1], u[1], u[2])
end
if #a.upserts > 0 then
  redis.call('INCR', KEYS[2])
end
-- No committedAt: delivering a sweep's messages never moves a run's last success (complete-digest.lua).
for i, d in ipairs(a.digests) do
  local digest, outbox = KEYS[3 + 2 * (i - 1)], KEYS[4 + 2 * (i - 1)]
  redis.call('HSET', digest, 'messages', d.messages, 'delivered', 0)
  redis.call('RPUSH', outbox, a.sweep)
end
local base = 3 + 2 * #a.digests
for j, ids in ipairs(a.seen) do
  -- In pages, well within what unpack takes.
  for p = 1, #ids, 500 do
    redis.call('SADD', KEYS[base + j - 1], unpack(ids, p, math.min(p + 499, #ids)))
  end
end
-- A sweep that posts is listed by `runs` like a run (trigger "sentinel"): what it posted is new there, once.
if a.entry then
  local e, r = a.entry, base + #a.seen
  redis.call('HSET', KEYS[r], 'head', e.head, 'trigger', 'sentinel', 'counts', e.counts, 'routes', e.routes, 'delivery', 'pending')
  redis.call('EXPIRE', KEYS[r], e.ttl)
  redis.call('ZADD', KEYS[r + 1], e.started, a.sweep)
  redis.call('EXPIRE', KEYS[r + 1], e.ttl)
  for _, route in ipairs(e.pending) do
    redis.call('SADD', KEYS[r + 2], route)
  end
  redis.call('EXPIRE', KEYS[r + 2], e.ttl)
  -- Its summary outlives the entry (history.days), committed with it like a run's (runs' commits prune it).
  redis.call('ZADD', KEYS[r + 3], e.started, e.history)
  redis.call('HSET', KEYS[r + 5], a.sweep, 'pending')
  if type(e.oldest) == 'table' then
    redis.call('DEL', KEYS[r + 4])
    for _, o in ipairs(e.oldest) do
      redis.call('HSET', KEYS[r + 4], o[1], o[2])
    end
  end
end
return 1
