package redisstore

import "github.com/redis/go-redis/v9"

// Campaign scripts. KEYS: 1 meta, 2 queue, 3 state, 4 lease, 5 attempts (one hash slot).
// Each recipient move is one script, so a crash leaves either the old or the new state.

const bcLuaPrelude = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parse(v)
  if not v then return nil end
  local st, w, n, ids, code, reason = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  return st, w, tonumber(n), ids, code, reason
end
local function fmt(st, w, n, ids, code, reason)
  return st .. '|' .. w .. '|' .. string.format('%d', n) .. '|' .. ids .. '|' .. code .. '|' .. reason
end
local function ms(x) return string.format('%d', x) end
-- retain keeps a finished campaign (and its report) for 90 days.
local function retain()
  for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], 7776000000) end
end
local function maybe_done()
  local m = redis.call('HMGET', KEYS[1], 'total', 'sent', 'failed', 'skipped', 'unknown', 'status')
  local done = (tonumber(m[2]) or 0) + (tonumber(m[3]) or 0) + (tonumber(m[4]) or 0) + (tonumber(m[5]) or 0)
  if done >= (tonumber(m[1]) or 0) and (m[6] == 'running' or m[6] == 'paused' or m[6] == 'scheduled') then
    redis.call('HSET', KEYS[1], 'status', 'done', 'finished_at', ms(now_ms()))
    retain()
  end
end
`

// bcCreateScript: ARGV 1 campaign JSON, 2 status, 3 send_at ms, 4 created ms,
// 5.. "account/user\tskip-reason". Returns 0 if the campaign exists.
var bcCreateScript = redis.NewScript(bcLuaPrelude + `
if redis.call('HSETNX', KEYS[1], 'campaign', ARGV[1]) == 0 then return 0 end
local total, skipped = 0, 0
local batch = {}
for i = 5, #ARGV do
  local m, reason = string.match(ARGV[i], '^([^\t]*)\t(.*)$')
  total = total + 1
  if reason ~= '' then
    skipped = skipped + 1
    redis.call('HSET', KEYS[3], m, fmt('skipped', '', 0, '', '', reason))
  else
    redis.call('HSET', KEYS[3], m, fmt('q', '', 0, '', '', ''))
    batch[#batch + 1] = m
    if #batch == 1000 then redis.call('RPUSH', KEYS[2], unpack(batch)); batch = {} end
  end
end
if #batch > 0 then redis.call('RPUSH', KEYS[2], unpack(batch)) end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'send_at', ARGV[3], 'created_at', ARGV[4],
  'total', total, 'skipped', skipped, 'sent', 0, 'failed', 0, 'unknown', 0)
maybe_done()
return 1`)

// bcStatusScript: ARGV 1 target status, 2 note. Returns the new status, "notfound" or "wrong".
var bcStatusScript = redis.NewScript(bcLuaPrelude + `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 'notfound' end
local to = ARGV[1]
if to == 'paused' then
  if cur ~= 'running' and cur ~= 'scheduled' then return 'wrong' end
elseif to == 'running' then
  if cur ~= 'paused' then return 'wrong' end
  local at = tonumber(redis.call('HGET', KEYS[1], 'send_at')) or 0
  if at > now_ms() then to = 'scheduled' end
elseif to == 'cancelled' then
  if cur ~= 'running' and cur ~= 'scheduled' and cur ~= 'paused' then return 'wrong' end
  redis.call('HSET', KEYS[1], 'finished_at', ms(now_ms()))
else
  return 'wrong'
end
redis.call('HSET', KEYS[1], 'status', to, 'note', ARGV[2] or '')
if to == 'cancelled' then retain() end
return to`)

var bcActivateScript = redis.NewScript(bcLuaPrelude + `
if redis.call('HGET', KEYS[1], 'status') ~= 'scheduled' then return 0 end
if (tonumber(redis.call('HGET', KEYS[1], 'send_at')) or 0) > now_ms() then return 0 end
redis.call('HSET', KEYS[1], 'status', 'running')
return 1`)

// bcClaimScript: ARGV 1 worker, 2 n, 3 lease ms. Returns flat {member, next, ids, …}.
var bcClaimScript = redis.NewScript(bcLuaPrelude + `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {} end
local now = now_ms()
local out = {}
for i = 1, tonumber(ARGV[2]) do
  local m = redis.call('LPOP', KEYS[2])
  if not m then break end
  local st, w, n, ids = parse(redis.call('HGET', KEYS[3], m))
  if st == 'q' then
    redis.call('HSET', KEYS[3], m, fmt('c', ARGV[1], n, ids, '', ''))
    redis.call('ZADD', KEYS[4], ms(now + tonumber(ARGV[3])), m)
    out[#out + 1] = m; out[#out + 1] = string.format('%d', n); out[#out + 1] = ids
  end
end
if #out > 0 and not redis.call('HGET', KEYS[1], 'started_at') then
  redis.call('HSET', KEYS[1], 'started_at', ms(now))
end
return out`)

// bcBeginScript: ARGV 1 worker, 2 member, 3 part, 4 lease ms. Returns 1 begun, 2 lost,
// 3 halted (campaign not running: the recipient went back to the queue).
var bcBeginScript = redis.NewScript(bcLuaPrelude + `
local st, w, n, ids = parse(redis.call('HGET', KEYS[3], ARGV[2]))
if st ~= 'c' or w ~= ARGV[1] or n ~= tonumber(ARGV[3]) then return 2 end
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then
  redis.call('HSET', KEYS[3], ARGV[2], fmt('q', '', n, ids, '', ''))
  redis.call('ZREM', KEYS[4], ARGV[2])
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 3
end
redis.call('HSET', KEYS[3], ARGV[2], fmt('s', w, n, ids, '', ''))
redis.call('ZADD', KEYS[4], ms(now_ms() + tonumber(ARGV[4])), ARGV[2])
return 1`)

// bcFinishScript: ARGV 1 worker, 2 member, 3 part, 4 last (1/0), 5 message id.
// Accepts "sending" and "unknown" (a slow worker whose lease ran out still knows the truth).
var bcFinishScript = redis.NewScript(bcLuaPrelude + `
local st, w, n, ids = parse(redis.call('HGET', KEYS[3], ARGV[2]))
if (st ~= 's' and st ~= 'u') or w ~= ARGV[1] or n ~= tonumber(ARGV[3]) then return 0 end
if ids == '' then ids = ARGV[5] else ids = ids .. ',' .. ARGV[5] end
if st == 'u' then redis.call('HINCRBY', KEYS[1], 'unknown', -1) end
redis.call('HDEL', KEYS[5], ARGV[2])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[3], ARGV[2], fmt('sent', w, n + 1, ids, '', ''))
  redis.call('ZREM', KEYS[4], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'sent', 1)
  maybe_done()
elseif st == 'u' then
  -- the lease is gone; hand the rest to the queue rather than hold it without a lease
  redis.call('HSET', KEYS[3], ARGV[2], fmt('q', '', n + 1, ids, '', ''))
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 2
else
  redis.call('HSET', KEYS[3], ARGV[2], fmt('c', w, n + 1, ids, '', ''))
end
return 1`)

// bcRetryScript: ARGV 1 worker, 2 member. Returns the attempt count or -1.
var bcRetryScript = redis.NewScript(bcLuaPrelude + `
local st, w, n, ids = parse(redis.call('HGET', KEYS[3], ARGV[2]))
if st ~= 's' or w ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[3], ARGV[2], fmt('c', w, n, ids, '', ''))
return redis.call('HINCRBY', KEYS[5], ARGV[2], 1)`)

// bcSettleScript: ARGV 1 worker, 2 member, 3 state (failed|skipped|unknown), 4 code, 5 reason.
var bcSettleScript = redis.NewScript(bcLuaPrelude + `
local st, w, n, ids = parse(redis.call('HGET', KEYS[3], ARGV[2]))
if (st ~= 'c' and st ~= 's' and st ~= 'u') or w ~= ARGV[1] then return 0 end
redis.call('ZREM', KEYS[4], ARGV[2])
if ARGV[3] == 'unknown' then
  if st ~= 'u' then
    redis.call('HSET', KEYS[3], ARGV[2], fmt('u', w, n, ids, '', ''))
    redis.call('HINCRBY', KEYS[1], 'unknown', 1)
  end
else
  if st == 'u' then redis.call('HINCRBY', KEYS[1], 'unknown', -1) end
  redis.call('HSET', KEYS[3], ARGV[2], fmt(ARGV[3], w, n, ids, ARGV[4], ARGV[5]))
  redis.call('HINCRBY', KEYS[1], ARGV[3], 1)
  redis.call('HDEL', KEYS[5], ARGV[2])
end
maybe_done()
return 1`)

// bcReleaseScript: ARGV 1 worker, 2.. members.
var bcReleaseScript = redis.NewScript(bcLuaPrelude + `
for i = 2, #ARGV do
  local st, w, n, ids = parse(redis.call('HGET', KEYS[3], ARGV[i]))
  if st == 'c' and w == ARGV[1] then
    redis.call('HSET', KEYS[3], ARGV[i], fmt('q', '', n, ids, '', ''))
    redis.call('ZREM', KEYS[4], ARGV[i])
    redis.call('LPUSH', KEYS[2], ARGV[i])
  end
end
return 1`)

// bcRenewScript: ARGV 1 worker, 2 lease ms, 3.. members.
var bcRenewScript = redis.NewScript(bcLuaPrelude + `
local expiry = ms(now_ms() + tonumber(ARGV[2]))
for i = 3, #ARGV do
  local st, w = parse(redis.call('HGET', KEYS[3], ARGV[i]))
  if st == 'c' and w == ARGV[1] then redis.call('ZADD', KEYS[4], 'XX', expiry, ARGV[i]) end
end
return 1`)

// bcReclaimScript returns {requeued, unknown}.
var bcReclaimScript = redis.NewScript(bcLuaPrelude + `
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ms(now_ms()), 'LIMIT', 0, 1000)
local requeued, unknown = 0, 0
for _, m in ipairs(expired) do
  local st, w, n, ids = parse(redis.call('HGET', KEYS[3], m))
  if st == 'c' then
    redis.call('HSET', KEYS[3], m, fmt('q', '', n, ids, '', ''))
    redis.call('RPUSH', KEYS[2], m)
    requeued = requeued + 1
  elseif st == 's' then
    -- Zalo may have accepted it: never send again, report unknown.
    redis.call('HSET', KEYS[3], m, fmt('u', w, n, ids, '', ''))
    redis.call('HINCRBY', KEYS[1], 'unknown', 1)
    unknown = unknown + 1
  end
  redis.call('ZREM', KEYS[4], m)
end
if unknown > 0 then maybe_done() end
return {requeued, unknown}`)

// bcReserveArticleScript: KEYS month, day counters; ARGV 1 monthly cap.
var bcReserveArticleScript = redis.NewScript(`
if (tonumber(redis.call('GET', KEYS[2])) or 0) >= 1 then return 0 end
if (tonumber(redis.call('GET', KEYS[1])) or 0) >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1]); redis.call('EXPIRE', KEYS[1], 40 * 86400)
redis.call('INCR', KEYS[2]); redis.call('EXPIRE', KEYS[2], 2 * 86400)
return 1`)
