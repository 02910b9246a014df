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
  local score = redis.call('ZSCORE', KEYS[1], user)
  if score and tonumber(score) <= t then
    redis.call('ZREM', KEYS[1], user)
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

/** KEYS: sessions1, seen1, sessions2, seen2... Returns per user: live connections, last seen ('' if never). */
export const presenceScript = new LuaScript(`${prelude}
local t = now()
local out = {}
for i = 1, #KEYS / 2 do
  out[2 * i - 1] = redis.call('ZCOUNT', KEYS[2 * i - 1], '(' .. t, '+inf')
  out[2 * i] = redis.call('GET', KEYS[2 * i]) or ''
end
return out
`);
