// Lua for the key limits (see src/limits/window.ts): every script reads Redis's clock, so replicas whose clocks
// disagree still count in the same buckets. Buckets are whole seconds; a window is the current one and the 59 before.

/**
 * Several finished calls' settlements, then several calls' admissions, in one script call; each admission decided in
 * turn as if alone (a later one sees what an earlier one took). KEYS: the replicas set; per settlement its token
 * counters then its parallel counters; per admission its counters. ARGV: lease TTL (ms), the number of settlements,
 * per settlement how many token counters, its tokens, how many parallel counters and its lease; then per admission its
 * lease, its number of counters, and kind and limit per counter. A call takes all of its counters only when each has
 * room. Returns {replicas alive, then per admission: refused index (0: none), retry-after ms, used per counter...}.
 */
export const ADMIT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = math.floor(now / 1000)
local oldest = current - 59
local ttl = tonumber(ARGV[1])
local out = {redis.call('ZCARD', KEYS[1])}
local k = 2
local a = 3
for s = 1, tonumber(ARGV[2]) do
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
  a = a + 4
end
while a <= #ARGV do
  local lease = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  local used = {}
  local earliest = {}
  for i = 1, n do
    local key = KEYS[k + i - 1]
    if ARGV[a + 2 * i - 2] == 'parallel' then
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
  local refused = 0
  local retry = 0
  for i = 1, n do
    local kind = ARGV[a + 2 * i - 2]
    local limit = tonumber(ARGV[a + 2 * i - 1])
    local room
    if kind == 'tokens' then room = used[i] < limit else room = used[i] + 1 <= limit end
    if not room then
      refused = i
      retry = 1000
      if earliest[i] ~= nil then retry = math.max(1000, (earliest[i] + 60) * 1000 - now) end
      break
    end
  end
  if refused == 0 then
    for i = 1, n do
      local key = KEYS[k + i - 1]
      local kind = ARGV[a + 2 * i - 2]
      if kind == 'requests' then
        redis.call('HINCRBY', key, current, 1)
        redis.call('PEXPIRE', key, 61000)
      elseif kind == 'parallel' then
        redis.call('ZADD', key, now + ttl, lease)
        redis.call('PEXPIRE', key, ttl * 2)
      end
    end
  end
  out[#out + 1] = refused
  out[#out + 1] = retry
  for i = 1, n do out[#out + 1] = used[i] end
  k = k + n
  a = a + 2 * n
end
return out
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
