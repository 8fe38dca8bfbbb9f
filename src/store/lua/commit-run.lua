--[[
  Commits one audit run atomically: its alert states, report, digests and counters land together or not
  at all, and only if no other run committed since this run read the states.

  The states and the report were staged beforehand, in chunks, under keys of this commit attempt alone
  (KEYS[7], KEYS[8]): no argument grows with the estate.

  Input:
    KEYS[1] run record (hash: report:shell, report:chunks, report:findings:<i>, head, trigger, counts, routes,
            delivery, committedAt)
    KEYS[2] alert states (hash: finding id -> AlertState JSON)
    KEYS[3] state version (counter)
    KEYS[4] open counts (hash: "rule|severity" -> n)
    KEYS[5] last success (ms since epoch)
    KEYS[6] coverage gap keys of the last run (JSON array)
    KEYS[7] staged state changes of this attempt (hash: "u:<id>" -> AlertState JSON, "d:<id>" -> "")
    KEYS[8] staged run record of this attempt (hash: the report in pieces, head, trigger, counts, routes)
    KEYS[9] routes whose digest of this run is not delivered yet (set)
    KEYS[10] run-time mutes (hash: id -> mute JSON)
    KEYS[11] mute events not yet told (list, oldest first)
    KEYS[12] index of committed runs (sorted set: run key by start, ms since epoch)
    KEYS[13 + 2(i-1)], KEYS[14 + 2(i-1)]: digest i's hash and its route's outbox list
    KEYS[13 + 2 #digests + (j-1)]: the sentinel's seen set of account j (j = 1..seen), an account the run
      listed completely; its staged changes are "s:<j>:<id>" (add) and "g:<j>:<id>" (remove) in KEYS[7]
    KEYS[13 + 2 #digests + seen]: the history (sorted set: compact run summary JSON by start, ms since epoch)
    KEYS[14 + 2 #digests + seen]: the oldest open unmuted finding's first seen by severity (hash)
    KEYS[15 + 2 #digests + seen]: what Slack got of each run of the history (hash: run -> pending | delivered | failed)
    KEYS[16 + 2 #digests + seen]: lapsed revocations not told yet (set of ids): the told ones (toldLapses) leave it
    ARGV[1] JSON: { run, version, staged, recordFields (how many fields KEYS[8] holds when whole), now,
                    started, ttl, counts: [[key, n]...], gapKeys (a JSON text),
                    digests: [{ route, messages (a JSON text, opaque here) }],
                    muteEvents (how many events, from the head, the digests told), lapsedMutes: [id...],
                    toldLapses: [revocation id...] (lapses the digests told),
                    seen (how many seen sets), keep (run records kept at most),
                    runKeyPrefix, pendingKeyPrefix (KEYS[1] and KEYS[9] without the run key: the records
                    of runs dropped beyond `keep` are these plus their run key, in the same hash slot),
                    history (the run's summary, a JSON text), historyFrom (ms since epoch: older summaries
                    are dropped), oldest: [[severity, ms since epoch]...] }
  Output:
     1 committed
     0 the run was already committed (a retried report job): nothing written
    -1 the version moved: another run committed since the states were read; nothing written
    -2 the staging is incomplete (expired or partly written): nothing written
]]
local a = cjson.decode(ARGV[1])

if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[7], KEYS[8])
  return 0
end
if tonumber(redis.call('GET', KEYS[3]) or '0') ~= tonumber(a.version) then
  redis.call('DEL', KEYS[7], KEYS[8])
  return -1
end
if redis.call('HLEN', KEYS[7]) ~= tonumber(a.staged) or redis.call('HLEN', KEYS[8]) ~= tonumber(a.recordFields) then
  return -2
end

-- Scanned page by page, so the script never holds the whole staging in memory; each page is written
-- with one HSET and one HDEL (a page is a few hundred entries: well within what unpack takes).
local seenBase = 13 + 2 * #a.digests
-- An account listed completely is recorded (0), even with no token: the sentinel then posts what is new.
for j = 1, tonumber(a.seen) do
  redis.call('SADD', KEYS[seenBase + j - 1], '0')
end

local cursor = '0'
repeat
  local page = redis.call('HSCAN', KEYS[7], cursor, 'COUNT', 500)
  cursor = page[1]
  local kv = page[2]
  local sets, dels, seenAdds, seenRems = {}, {}, {}, {}
  for i = 1, #kv, 2 do
    local kind, id = string.sub(kv[i], 1, 2), string.sub(kv[i], 3)
    if kind == 'u:' then
      sets[#sets + 1] = id
      sets[#sets + 1] = kv[i + 1]
    elseif kind == 'd:' then
      dels[#dels + 1] = id
    elseif kind == 's:' or kind == 'g:' then
      local j, token = string.match(id, '^(%d+):(%d+)$')
      local into = kind == 's:' and seenAdds or seenRems
      into[j] = into[j] or {}
      into[j][#into[j] + 1] = token
    end
  end
  if #sets > 0 then
    redis.call('HSET', KEYS[2], unpack(sets))
  end
  if #dels > 0 then
    redis.call('HDEL', KEYS[2], unpack(dels))
  end
  for j, ids in pairs(seenAdds) do
    redis.call('SADD', KEYS[seenBase + tonumber(j) - 1], unpack(ids))
  end
  for j, ids in pairs(seenRems) do
    redis.call('SREM', KEYS[seenBase + tonumber(j) - 1], unpack(ids))
  end
until cursor == '0'
redis.call('DEL', KEYS[7])
redis.call('INCR', KEYS[3])

redis.call('RENAME', KEYS[8], KEYS[1])
redis.call('HSET', KEYS[1], 'committedAt', a.now, 'delivery', #a.digests > 0 and 'pending' or 'nothing-to-send')
redis.call('EXPIRE', KEYS[1], a.ttl)
-- The index keeps the runs started within the record's life; a record outlives its entry by at most the run's length.
redis.call('ZADD', KEYS[12], a.started, a.run)
redis.call('ZREMRANGEBYSCORE', KEYS[12], '-inf', '(' .. (tonumber(a.now) - tonumber(a.ttl) * 1000))
-- And at most `keep` of them: the oldest beyond are dropped with their records (a report can be tens of MB).
-- Their digests stay: an undelivered one is still delivered from its outbox. This run is never the one dropped.
local over = redis.call('ZCARD', KEYS[12]) - tonumber(a.keep)
if over > 0 then
  for _, run in ipairs(redis.call('ZRANGE', KEYS[12], 0, over)) do
    if over > 0 and run ~= a.run then
      redis.call('DEL', a.runKeyPrefix .. run, a.pendingKeyPrefix .. run)
      redis.call('ZREM', KEYS[12], run)
      over = over - 1
    end
  end
end
redis.call('EXPIRE', KEYS[12], a.ttl)

redis.call('DEL', KEYS[4])
for _, c in ipairs(a.counts) do
  redis.call('HSET', KEYS[4], c[1], c[2])
end
redis.call('SET', KEYS[6], a.gapKeys)

-- The run's summary outlives its record (history.days): written with the commit, so never lost nor doubled.
-- Sweeps add to it too; only runs' commits prune it, with what Slack got of the runs dropped.
local h = 13 + 2 * #a.digests + tonumber(a.seen)
local historyKey, oldestKey, slackKey = KEYS[h], KEYS[h + 1], KEYS[h + 2]
redis.call('ZADD', historyKey, a.started, a.history)
if #a.digests > 0 then
  redis.call('HSET', slackKey, a.run, 'pending')
end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', historyKey, '-inf', '(' .. a.historyFrom)) do
  redis.call('HDEL', slackKey, cjson.decode(old).id)
end
redis.call('ZREMRANGEBYSCORE', historyKey, '-inf', '(' .. a.historyFrom)
redis.call('DEL', oldestKey)
for _, o in ipairs(a.oldest) do
  redis.call('HSET', oldestKey, o[1], o[2])
end

-- The digests told these: consumed with the commit, never before (a refused commit tells them again).
if tonumber(a.muteEvents) > 0 then
  redis.call('LTRIM', KEYS[11], a.muteEvents, -1)
end
for _, id in ipairs(a.lapsedMutes) do
  redis.call('HDEL', KEYS[10], id)
end
for _, id in ipairs(a.toldLapses or {}) do
  redis.call('SREM', KEYS[h + 3], id)
end

for i, d in ipairs(a.digests) do
  local digest, outbox = KEYS[13 + 2 * (i - 1)], KEYS[14 + 2 * (i - 1)]
  redis.call('HSET', digest, 'messages', d.messages, 'delivered', 0, 'committedAt', a.now)
  redis.call('RPUSH', outbox, a.run)
  redis.call('SADD', KEYS[9], d.route)
end

-- A run with nothing to send succeeded now; one with digests succeeds when the last is delivered.
if #a.digests == 0 then
  local last = redis.call('GET', KEYS[5])
  if not last or tonumber(last) < tonumber(a.now) then
    redis.call('SET', KEYS[5], a.now)
  end
end
return 1
