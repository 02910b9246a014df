import { LuaScript } from "../../redis-client.ts";

/**
 * The session map's atomic steps. Each user has a sorted set of their connections
 * ("<nodeId>|<connectionId>") scored by the time the entry expires, and a last-seen time. Times come
 * from Redis's own clock (TIME), so that nodes with skewed clocks agree on what has expired. The set
 * itself expires with its newest entry, so that a user whose node crashed leaves nothing behind.
 * An index (a sorted set of users scored by their newest entry's expiry) lets expiry find the users
 * whose every entry lapsed without scanning keys.
 *
 * Every key a script touches comes in KEYS, never named inside it: on a Redis Cluster all keys of one
 * call share a hash slot (see redis-session-map.ts), which Redis checks only for keys it is given.
 */
const prelude = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- A user's status (a hash: a availability, t text, x text expiry ms, h hidden last seen ms), with an
-- expired text dropped. Missing fields are the default: online, no text.
local function readStatus(key, t)
  local s = redis.call('HMGET', key, 'a', 't', 'x', 'h')
  local text, x = s[2] or '', s[3] or ''
  if x ~= '' and tonumber(x) <= t then text = ''; x = '' end
  return { s[1] or 'online', text, x, s[4] or '' }
end
-- Takes a user out of an index if their score there has lapsed: true when this call took them
-- (another node's sweep may have taken them already, or a refresh raised the score).
local function takeLapsed(index, user, t)
  local score = redis.call('ZSCORE', index, user)
  if not score or tonumber(score) > t then return false end
  redis.call('ZREM', index, user)
  return true
end
local function expireWithNewest(key)
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if newest[2] then redis.call('PEXPIREAT', key, newest[2]) end
end
`;

/** KEYS: sessions, seen, index. ARGV: member, ttl ms, user id. Returns 1 when the user had no live connection. */
export const addScript = new LuaScript(`${prelude}
local t = now()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[1])
expireWithNewest(KEYS[1])
redis.call('ZADD', KEYS[3], 'GT', t + tonumber(ARGV[2]), ARGV[3])
redis.call('SET', KEYS[2], t)
if before == 0 then return 1 end
return 0
`);

/**
 * KEYS: sessions, seen, index. ARGV: member, user id. Returns 1 when it was the user's last live
 * connection. An entry that expired but is still in the set counts as present: its removal is still news.
 */
export const removeScript = new LuaScript(`${prelude}
local t = now()
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
if removed == 0 then return 0 end
redis.call('SET', KEYS[2], t)
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[2])
  return 1
end
return 0
`);

/** KEYS: index. ARGV: at most how many users. Returns users whose newest entry has lapsed: candidates for {@link expireScript}. */
export const lapsedScript = new LuaScript(`${prelude}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now(), 'LIMIT', 0, tonumber(ARGV[1]))
`);

/**
 * KEYS: index, sessions1, sessions2... ARGV: user1, user2... For each user still lapsed in the index
 * (another node may have expired or a refresh revived them since {@link lapsedScript}), takes them
 * out, drops their lapsed entries, and returns those left with none (they went offline, last seen at
 * their last refresh). A user with a live entry after all goes back in the index.
 */
export const expireScript = new LuaScript(`${prelude}
local t = now()
local gone = {}
for i, user in ipairs(ARGV) do
  if takeLapsed(KEYS[1], user, t) then
    redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', t)
    local newest = redis.call('ZRANGE', KEYS[i + 1], -1, -1, 'WITHSCORES')
    if newest[2] then redis.call('ZADD', KEYS[1], newest[2], user) else table.insert(gone, user) end
  end
end
return gone
`);

/** KEYS: index, sessions1, seen1, sessions2, seen2... ARGV: ttl ms, member1, user1, member2, user2... */
export const refreshScript = new LuaScript(`${prelude}
local t = now()
local ttl = tonumber(ARGV[1])
for i = 1, (#KEYS - 1) / 2 do
  redis.call('ZADD', KEYS[2 * i], t + ttl, ARGV[2 * i])
  expireWithNewest(KEYS[2 * i])
  redis.call('SET', KEYS[2 * i + 1], t)
  redis.call('ZADD', KEYS[1], 'GT', t + ttl, ARGV[2 * i + 1])
end
return 0
`);

/** KEYS: sessions of each user. Returns, per user, the members that have not expired. */
export const locateScript = new LuaScript(`${prelude}
local t = now()
local found = {}
for i, key in ipairs(KEYS) do
  found[i] = redis.call('ZRANGEBYSCORE', key, '(' .. t, '+inf')
end
return found
`);

/**
 * KEYS: sessions1, seen1, status1, sessions2, seen2, status2... Returns per user six values: live
 * connections, last seen ('' if never), availability, status text, its expiry ('' for none), hidden
 * last seen ('' when not invisible or never seen). An expired text is returned as none.
 */
export const presenceScript = new LuaScript(`${prelude}
local t = now()
local out = {}
for i = 0, #KEYS / 3 - 1 do
  table.insert(out, redis.call('ZCOUNT', KEYS[3 * i + 1], '(' .. t, '+inf'))
  table.insert(out, redis.call('GET', KEYS[3 * i + 2]) or '')
  for _, v in ipairs(readStatus(KEYS[3 * i + 3], t)) do table.insert(out, v) end
end
return out
`);

/**
 * KEYS: sessions, seen, status, status expiry index. ARGV: availability ('' to keep it), 1 to set the
 * text (else 0), text, its expiry in ms ('' for never), user id. Returns the user's presence before
 * and after, six values each as {@link presenceScript} gives them. Going invisible freezes the last
 * seen others are shown: now if online, else the last seen. A default status (online, no text) is
 * deleted rather than stored, so the keys left are those of users who chose something.
 */
export const setStatusScript = new LuaScript(`${prelude}
local t = now()
local online = redis.call('ZCOUNT', KEYS[1], '(' .. t, '+inf')
local seen = redis.call('GET', KEYS[2]) or ''
local before = readStatus(KEYS[3], t)
local a, text, x, h = before[1], before[2], before[3], before[4]
if ARGV[1] ~= '' then
  if ARGV[1] == 'invisible' and a ~= 'invisible' then
    if online > 0 then h = tostring(t) else h = seen end
  end
  a = ARGV[1]
end
if a ~= 'invisible' then h = '' end
if ARGV[2] == '1' then text = ARGV[3]; x = ARGV[4] end
if text == '' then x = '' end
redis.call('DEL', KEYS[3])
if a ~= 'online' or text ~= '' then redis.call('HSET', KEYS[3], 'a', a, 't', text, 'x', x, 'h', h) end
if x ~= '' then redis.call('ZADD', KEYS[4], x, ARGV[5]) else redis.call('ZREM', KEYS[4], ARGV[5]) end
return { online, seen, before[1], before[2], before[3], before[4], online, seen, a, text, x, h }
`);

/**
 * KEYS: status expiry index, status1, status2... ARGV: user1, user2... For each user still lapsed in
 * the index (another node may have taken them since {@link lapsedScript}), takes them out and clears
 * their text if its expiry passed (deleting the status when nothing else is left); returns those users.
 */
export const expireStatusScript = new LuaScript(`${prelude}
local t = now()
local cleared = {}
for i, user in ipairs(ARGV) do
  if takeLapsed(KEYS[1], user, t) then
    local s = redis.call('HMGET', KEYS[i + 1], 'a', 'x')
    if s[2] and s[2] ~= '' and tonumber(s[2]) <= t then
      if (s[1] or 'online') == 'online' then redis.call('DEL', KEYS[i + 1]) else redis.call('HSET', KEYS[i + 1], 't', '', 'x', '') end
      table.insert(cleared, user)
    end
  end
end
return cleared
`);

/**
 * KEYS: seen1, status1, seen2, status2..., status expiry index. ARGV: six per user: user id, last
 * seen ms ('' for never), availability ('' for the default status), text, its expiry ms ('' for
 * none), hidden last seen ms. Puts back kept presence after Redis lost it, never over what is there
 * (written since the loss, so newer): a last-seen time only where none is, a status only where none
 * is. An expired text goes back with its expiry in the index, for the next sweep to clear and report.
 */
export const restoreScript = new LuaScript(`
for i = 1, (#KEYS - 1) / 2 do
  local user, seen, a, text, x, h = unpack(ARGV, 6 * i - 5, 6 * i)
  if seen ~= '' then redis.call('SET', KEYS[2 * i - 1], seen, 'NX') end
  if a ~= '' and redis.call('EXISTS', KEYS[2 * i]) == 0 then
    redis.call('HSET', KEYS[2 * i], 'a', a, 't', text, 'x', x, 'h', h)
    if x ~= '' then redis.call('ZADD', KEYS[#KEYS], x, user) end
  end
end
return 0
`);
