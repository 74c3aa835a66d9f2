/**
 * The Lua scripts the Redis store runs: the same rules as token-bucket.ts and
 * sliding-window.ts, evaluated atomically inside Redis so replicas never race, and clocked by
 * Redis's own TIME so replicas with skewed clocks still agree. All numbers returned are
 * integers (Redis truncates Lua numbers); -1 stands for "never" in a retry time.
 */

/**
 * KEYS: one per limit. ARGV[1]: the number of limits; then 4 per limit:
 * kind ("b" bucket | "w" window), capacity|max, refillPerSecond|windowMs, cost.
 * Returns { allowed, then per limit: allowed, limit, remaining, resetMs, retryAfterMs }.
 */
export const takeScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local all = 1
local seen = {}
for i = 1, n do
  local base = 1 + (i - 1) * 4
  local kind = ARGV[base + 1]
  local a = tonumber(ARGV[base + 2])
  local b = tonumber(ARGV[base + 3])
  local cost = tonumber(ARGV[base + 4])
  local key = KEYS[i]
  local s = { kind = kind, a = a, b = b, cost = cost, ok = 1, retry = 0 }
  if kind == 'b' then
    local h = redis.call('HMGET', key, 't', 'u')
    local tokens = a
    if h[1] then
      tokens = math.min(a, tonumber(h[1]) + math.max(0, now - tonumber(h[2])) * b / 1000)
    end
    s.tokens = tokens
    if cost > tokens then
      s.ok = 0
      if cost > a then s.retry = -1 else s.retry = math.ceil((cost - tokens) * 1000 / b) end
    end
  else
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - b)
    local count = redis.call('ZCARD', key)
    s.count = count
    if count + cost > a then
      s.ok = 0
      if cost > a then
        s.retry = -1
      else
        local e = redis.call('ZRANGE', key, count + cost - a - 1, count + cost - a - 1, 'WITHSCORES')
        s.retry = tonumber(e[2]) + b - now
      end
    end
  end
  if s.ok == 0 then all = 0 end
  seen[i] = s
end
local out = { all }
for i = 1, n do
  local s = seen[i]
  local key = KEYS[i]
  local remaining, reset
  if s.kind == 'b' then
    local tokens = s.tokens
    if all == 1 then
      tokens = tokens - s.cost
      redis.call('HSET', key, 't', tostring(tokens), 'u', tostring(now))
      redis.call('PEXPIRE', key, math.ceil(2 * s.a * 1000 / s.b) + 1000)
    end
    remaining = math.max(0, math.floor(tokens))
    if tokens >= s.a then reset = 0 else reset = math.ceil((s.a - tokens) * 1000 / s.b) end
  else
    local count = s.count
    if all == 1 and s.cost > 0 then
      for j = 1, s.cost do
        redis.call('ZADD', key, now, t[1] .. t[2] .. ':' .. count .. ':' .. j)
      end
      count = count + s.cost
      redis.call('PEXPIRE', key, s.b)
    end
    remaining = math.max(0, s.a - count)
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if oldest[2] then reset = tonumber(oldest[2]) + s.b - now else reset = 0 end
  end
  table.insert(out, s.ok)
  table.insert(out, s.a)
  table.insert(out, remaining)
  table.insert(out, reset)
  table.insert(out, s.retry)
end
return out
`;

/**
 * KEYS: one bucket per adjustment. ARGV[1]: the number of buckets; then 3 per bucket:
 * capacity, refillPerSecond, delta. Returns per bucket: remaining, resetMs.
 */
export const adjustScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local out = {}
for i = 1, n do
  local base = 1 + (i - 1) * 3
  local cap = tonumber(ARGV[base + 1])
  local rate = tonumber(ARGV[base + 2])
  local delta = tonumber(ARGV[base + 3])
  local key = KEYS[i]
  local h = redis.call('HMGET', key, 't', 'u')
  local tokens = cap
  if h[1] then
    tokens = math.min(cap, tonumber(h[1]) + math.max(0, now - tonumber(h[2])) * rate / 1000)
  end
  tokens = math.max(-cap, math.min(cap, tokens + delta))
  redis.call('HSET', key, 't', tostring(tokens), 'u', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(2 * cap * 1000 / rate) + 1000)
  table.insert(out, math.max(0, math.floor(tokens)))
  if tokens >= cap then table.insert(out, 0) else table.insert(out, math.ceil((cap - tokens) * 1000 / rate)) end
end
return out
`;
