// Lua for the key limits (see src/limits/window.ts): every script reads Redis's clock, so replicas whose clocks
// disagree still count in the same buckets. Buckets are whole seconds; a window is the current one and the 59 before.

/**
 * KEYS: the replicas set, then the counters. ARGV: lease, lease TTL (ms), then kind and limit per counter. Checks
 * every counter and takes all of them only when each has room. Returns {refused index (0: none), retry-after ms,
 * replicas alive, used per counter...}.
 */
export const ADMIT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = math.floor(now / 1000)
local oldest = current - 59
local ttl = tonumber(ARGV[2])
local n = #KEYS - 1
local replicas = redis.call('ZCARD', KEYS[1])
local used = {}
local earliest = {}
for i = 1, n do
  local key = KEYS[i + 1]
  if ARGV[1 + 2 * i] == 'parallel' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    used[i] = redis.call('ZCARD', key)
  else
    local sum = 0
    local flat = redis.call('HGETALL', key)
    for j = 1, #flat, 2 do
      local bucket = tonumber(flat[j])
      if bucket < oldest then
        redis.call('HDEL', key, flat[j])
      else
        sum = sum + tonumber(flat[j + 1])
        if earliest[i] == nil or bucket < earliest[i] then earliest[i] = bucket end
      end
    end
    used[i] = sum
  end
end
for i = 1, n do
  local kind = ARGV[1 + 2 * i]
  local limit = tonumber(ARGV[2 + 2 * i])
  local room
  if kind == 'tokens' then room = used[i] < limit else room = used[i] + 1 <= limit end
  if not room then
    local retry = 1000
    if earliest[i] ~= nil then retry = math.max(1000, (earliest[i] + 60) * 1000 - now) end
    return {i, retry, replicas, unpack(used)}
  end
end
for i = 1, n do
  local kind = ARGV[1 + 2 * i]
  if kind == 'requests' then
    redis.call('HINCRBY', KEYS[i + 1], current, 1)
    redis.call('PEXPIRE', KEYS[i + 1], 61000)
  elseif kind == 'parallel' then
    redis.call('ZADD', KEYS[i + 1], now + ttl, ARGV[1])
    redis.call('PEXPIRE', KEYS[i + 1], ttl * 2)
  end
end
return {0, 0, replicas, unpack(used)}
`;

/**
 * Several finished calls at once. KEYS: per call, its token counters then its parallel counters. ARGV: per call, how
 * many token counters, its tokens, how many parallel counters, its lease.
 */
export const SETTLE_LUA = `
local current = tonumber(redis.call('TIME')[1])
local k = 1
for a = 1, #ARGV, 4 do
  local tokens = ARGV[a + 1]
  for i = 1, tonumber(ARGV[a]) do
    redis.call('HINCRBY', KEYS[k], current, tokens)
    redis.call('PEXPIRE', KEYS[k], 61000)
    k = k + 1
  end
  for i = 1, tonumber(ARGV[a + 2]) do
    redis.call('ZREM', KEYS[k], ARGV[a + 3])
    k = k + 1
  end
end
return 0
`;

/**
 * KEYS: the replicas set, then parallel counters. ARGV: replica id, lease TTL (ms), then one lease per counter.
 * Marks the replica alive, extends the leases it still holds, and returns how many replicas are alive.
 */
export const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + ttl, ARGV[i + 1])
end
return redis.call('ZCARD', KEYS[1])
`;
