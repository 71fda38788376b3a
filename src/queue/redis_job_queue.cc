#include "queue/redis_job_queue.h"

#include <algorithm>


namespace ag {
namespace {

using std::chrono::milliseconds;

// ARGV: prefix, group, op, now (ms since the epoch), then the op's arguments.
const RedisScript& QueueScript() {
  static const RedisScript script(R"lua(
local p, group, op, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local stream, seq, bysub = p .. 'stream', p .. 'seq', p .. 'bysub'
local ready, delayed, leased, dead = p .. 'ready', p .. 'delayed', p .. 'leased', p .. 'dead'
local deadletter = p .. 'deadletter'
local function job(id) return p .. 'job:' .. id end

local function make_ready(id, since)
  local sid = redis.call('XADD', stream, '*', 'job', id)
  redis.call('HSET', job(id), 'state', 'ready', 'sid', sid)
  redis.call('ZADD', ready, since, id)
end

local function promote_due()
  local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 256)
  for i = 1, #due, 2 do
    redis.call('ZREM', delayed, due[i])
    make_ready(due[i], tonumber(due[i + 1]))
  end
end

local function take(id, worker, lease_ms)
  local token = redis.call('INCR', seq)
  local attempts = redis.call('HINCRBY', job(id), 'attempts', 1)
  local expires = now + lease_ms
  redis.call('HSET', job(id), 'state', 'leased', 'token', token, 'expires', expires,
             'worker', worker)
  redis.call('ZREM', ready, id)
  redis.call('ZADD', leased, expires, id)
  return {tonumber(id), tonumber(redis.call('HGET', job(id), 'sub')), attempts, token, expires}
end

local function owns(id, token)
  local h = redis.call('HMGET', job(id), 'state', 'token')
  return h[1] == 'leased' and h[2] == token
end

-- The job leaves the stream (acknowledged and deleted) and the leased set.
local function unlist(id)
  local sid = redis.call('HGET', job(id), 'sid')
  if sid then
    redis.call('XACK', stream, group, sid)
    redis.call('XDEL', stream, sid)
    redis.call('HDEL', job(id), 'sid')
  end
  redis.call('ZREM', leased, id)
end

local function forget(id)
  local sub = redis.call('HGET', job(id), 'sub')
  if sub and redis.call('HGET', bysub, sub) == tostring(id) then redis.call('HDEL', bysub, sub) end
  redis.call('DEL', job(id))
  return sub
end

if op == 'enqueue' then
  local sub, not_before = ARGV[5], tonumber(ARGV[6])
  local id = redis.call('HGET', bysub, sub)
  if id then
    local state = redis.call('HGET', job(id), 'state')
    if state and state ~= 'dead' then return 0 end  -- waiting or running: it keeps its job
    if state == 'dead' then
      redis.call('ZREM', dead, id)
      redis.call('DEL', job(id))
    end
  end
  id = redis.call('INCR', seq)
  redis.call('HSET', job(id), 'sub', sub, 'attempts', 0, 'created', now)
  redis.call('HSET', bysub, sub, id)
  if not_before > now then
    redis.call('HSET', job(id), 'state', 'delayed')
    redis.call('ZADD', delayed, not_before, id)
  else
    make_ready(id, now)
  end
  return 1

elseif op == 'lease' then
  local worker, lease_ms = ARGV[5], tonumber(ARGV[6])
  promote_due()
  -- A lease that ran out: its worker is presumed dead; its stream entry changes hands.
  local expired = redis.call('ZRANGEBYSCORE', leased, '-inf', now, 'LIMIT', 0, 1)
  if #expired > 0 then
    local id = expired[1]
    local sid = redis.call('HGET', job(id), 'sid')
    if sid then redis.pcall('XCLAIM', stream, group, worker, 0, sid, 'JUSTID') end
    return take(id, worker, lease_ms)
  end
  for _ = 1, 64 do
    local r = redis.pcall('XREADGROUP', 'GROUP', group, worker, 'COUNT', 1, 'STREAMS', stream, '>')
    if type(r) == 'table' and r.err then
      if not string.find(r.err, 'NOGROUP') then return redis.error_reply(r.err) end
      redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
    elseif not r then
      return false
    else
      local entry = r[1][2][1]
      local sid, id = entry[1], entry[2][2]
      local h = redis.call('HMGET', job(id), 'state', 'sid')
      if h[1] == 'ready' and h[2] == sid then return take(id, worker, lease_ms) end
      -- An entry whose job was purged or re-filed since: drop it.
      redis.call('XACK', stream, group, sid)
      redis.call('XDEL', stream, sid)
    end
  end
  return false

elseif op == 'heartbeat' then
  local id, token, lease_ms = ARGV[5], ARGV[6], tonumber(ARGV[7])
  if not owns(id, token) then return 0 end
  local expires = now + lease_ms
  redis.call('HSET', job(id), 'expires', expires)
  redis.call('ZADD', leased, expires, id)
  -- Restart the entry's idle time too, so XPENDING shows live work as live.
  local h = redis.call('HMGET', job(id), 'sid', 'worker')
  if h[1] then redis.pcall('XCLAIM', stream, group, h[2], 0, h[1], 'JUSTID') end
  return expires

elseif op == 'ack' then
  local id, token = ARGV[5], ARGV[6]
  if not owns(id, token) then return 0 end
  unlist(id)
  forget(id)
  return 1

elseif op == 'fail' then
  local id, token, reason, retry_at = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
  if not owns(id, token) then return 0 end
  unlist(id)
  redis.call('HSET', job(id), 'last_error', reason, 'updated', now)
  if retry_at >= 0 then
    redis.call('HSET', job(id), 'state', 'delayed')
    redis.call('ZADD', delayed, retry_at, id)
    return 1
  end
  redis.call('HSET', job(id), 'state', 'dead')
  redis.call('ZADD', dead, now, id)
  local h = redis.call('HMGET', job(id), 'sub', 'attempts')
  redis.call('XADD', deadletter, 'MAXLEN', '~', 10000, '*', 'job', id, 'submission', h[1],
             'attempts', h[2], 'reason', reason)
  return 2

elseif op == 'release' then
  local id, token = ARGV[5], ARGV[6]
  if not owns(id, token) then return 0 end
  unlist(id)
  redis.call('HINCRBY', job(id), 'attempts', -1)
  make_ready(id, now)
  return 1

elseif op == 'stats' then
  local due = redis.call('ZCOUNT', delayed, '-inf', now)
  local oldest = -1
  local first = redis.call('ZRANGE', ready, 0, 0, 'WITHSCORES')
  if #first > 0 then oldest = tonumber(first[2]) end
  local soonest = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
  if #soonest > 0 and tonumber(soonest[2]) <= now and (oldest < 0 or tonumber(soonest[2]) < oldest) then
    oldest = tonumber(soonest[2])
  end
  return {redis.call('ZCARD', ready) + due, redis.call('ZCARD', delayed) - due,
          redis.call('ZCARD', leased), redis.call('ZCARD', dead), oldest}

elseif op == 'list_dead' then
  local out = {}
  local ids = redis.call('ZREVRANGE', dead, 0, tonumber(ARGV[5]) - 1)
  for _, id in ipairs(ids) do
    local h = redis.call('HMGET', job(id), 'sub', 'attempts', 'last_error', 'updated')
    out[#out + 1] = {tonumber(id), tonumber(h[1]), tonumber(h[2]), h[3] or '', tonumber(h[4]) or 0}
  end
  return out

elseif op == 'retry_dead' then
  local only, ids = ARGV[5], {}
  if only ~= '' then
    local id = redis.call('HGET', bysub, only)
    if id and redis.call('ZSCORE', dead, id) then ids = {id} end
  else
    ids = redis.call('ZRANGE', dead, 0, -1)
  end
  local subs = {}
  for _, id in ipairs(ids) do
    redis.call('ZREM', dead, id)
    redis.call('HSET', job(id), 'attempts', 0)
    make_ready(id, now)
    subs[#subs + 1] = tonumber(redis.call('HGET', job(id), 'sub'))
  end
  return subs

elseif op == 'purge_dead' then
  local ids = redis.call('ZRANGE', dead, 0, -1)
  for _, id in ipairs(ids) do forget(id) end
  redis.call('DEL', dead)
  return #ids

elseif op == 'purge_waiting' then
  local subs = {}
  for _, set in ipairs({ready, delayed}) do
    for _, id in ipairs(redis.call('ZRANGE', set, 0, -1)) do
      local sid = redis.call('HGET', job(id), 'sid')
      if sid then redis.call('XDEL', stream, sid) end
      subs[#subs + 1] = tonumber(forget(id))
    end
    redis.call('DEL', set)
  end
  return subs
end
return redis.error_reply('unknown queue operation ' .. op)
)lua");
  return script;
}

std::int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

TimePoint FromMillis(std::int64_t ms) { return TimePoint(milliseconds(ms)); }

Status LostLease(const LeasedJob& job) {
  return FailedPreconditionError("the lease of job " + std::to_string(job.id.value()) +
                                 " was lost: another worker holds it");
}

}  // namespace

RedisJobQueue::RedisJobQueue(RedisClient& redis, const Clock& clock, RandomSource& random,
                             RedisJobQueueOptions options)
    : redis_(redis),
      clock_(clock),
      random_(random),
      options_(std::move(options)),
      prefix_("ag:{" + options_.queue_name + "}:") {}

Result<RedisValue> RedisJobQueue::Run(const std::string& op, std::vector<std::string> args) {
  std::vector<std::string> argv = {prefix_, options_.queue_name, op,
                                   std::to_string(Millis(clock_.Now()))};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  return redis_.Eval(QueueScript(), {}, argv);
}

Status RedisJobQueue::Ping() { return redis_.Ping(); }

Status RedisJobQueue::Enqueue(SubmissionId submission, TimePoint not_before) {
  return Run("enqueue", {std::to_string(submission.value()), std::to_string(Millis(not_before))})
      .status();
}

Result<std::optional<LeasedJob>> RedisJobQueue::TryLease(std::string_view worker,
                                                         milliseconds lease) {
  ASSIGN_OR_RETURN(auto r, Run("lease", {std::string(worker), std::to_string(lease.count())}));
  if (r.type != RedisValue::Type::kArray || r.elements.size() != 5) {
    return std::optional<LeasedJob>();
  }
  LeasedJob job;
  job.id = JobId(r.elements[0].AsInt());
  job.submission_id = SubmissionId(r.elements[1].AsInt());
  job.attempts = static_cast<int>(r.elements[2].AsInt());
  job.lease_token = r.elements[3].AsInt();
  job.lease_expires_at = FromMillis(r.elements[4].AsInt());
  return std::optional<LeasedJob>(job);
}

Result<std::optional<LeasedJob>> RedisJobQueue::Lease(std::string_view worker, milliseconds lease,
                                                      milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    ASSIGN_OR_RETURN(auto job, TryLease(worker, lease));
    if (job) return job;
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds(0)) return std::optional<LeasedJob>();
    // Wakes on the next entry added to the stream; bounded, because retries coming due and
    // expired leases add none.
    const milliseconds block = std::max(milliseconds(1), std::min(left, options_.poll_interval));
    auto woke = redis_.BlockingCommand({"XREAD", "BLOCK", std::to_string(block.count()), "COUNT",
                                        "1", "STREAMS", prefix_ + "stream", "$"},
                                       block);
    // The server is away: the caller backs off (the worker pool waits before it asks again).
    if (!woke.ok()) return woke.status();
  }
}

Status RedisJobQueue::Heartbeat(LeasedJob& job, milliseconds lease) {
  ASSIGN_OR_RETURN(
      auto r, Run("heartbeat", {std::to_string(job.id.value()), std::to_string(job.lease_token),
                                std::to_string(lease.count())}));
  if (r.AsInt() == 0) return LostLease(job);
  job.lease_expires_at = FromMillis(r.AsInt());
  return OkStatus();
}

Status RedisJobQueue::Ack(const LeasedJob& job) {
  ASSIGN_OR_RETURN(auto r,
                   Run("ack", {std::to_string(job.id.value()), std::to_string(job.lease_token)}));
  return r.AsInt() == 0 ? LostLease(job) : OkStatus();
}

Result<FailResult> RedisJobQueue::Fail(const LeasedJob& job, std::string_view reason,
                                       bool retryable) {
  FailResult result;
  std::int64_t retry_at = -1;
  if (retryable && options_.retry.MayRetry(job.attempts)) {
    result.outcome = FailOutcome::kRetryScheduled;
    result.retry_at = clock_.Now() + options_.retry.DelayAfter(job.attempts, random_.NextUnit());
    retry_at = Millis(result.retry_at);
  }
  ASSIGN_OR_RETURN(auto r,
                   Run("fail", {std::to_string(job.id.value()), std::to_string(job.lease_token),
                                std::string(reason), std::to_string(retry_at)}));
  if (r.AsInt() == 0) return LostLease(job);
  return result;
}

Status RedisJobQueue::Release(const LeasedJob& job) {
  ASSIGN_OR_RETURN(
      auto r, Run("release", {std::to_string(job.id.value()), std::to_string(job.lease_token)}));
  return r.AsInt() == 0 ? LostLease(job) : OkStatus();
}

Result<QueueStats> RedisJobQueue::Stats() {
  ASSIGN_OR_RETURN(auto r, Run("stats", {}));
  if (r.elements.size() != 5) return InternalError("redis queue stats: unexpected reply");
  QueueStats s;
  s.ready = r.elements[0].AsInt();
  s.delayed = r.elements[1].AsInt();
  s.leased = r.elements[2].AsInt();
  s.dead = r.elements[3].AsInt();
  const std::int64_t oldest = r.elements[4].AsInt();
  if (oldest >= 0) {
    s.oldest_ready_age =
        std::max(milliseconds(0),
                 std::chrono::duration_cast<milliseconds>(clock_.Now() - FromMillis(oldest)));
  }
  return s;
}

Result<std::vector<DeadJob>> RedisJobQueue::ListDead(int limit) {
  if (limit <= 0) return std::vector<DeadJob>{};
  ASSIGN_OR_RETURN(auto r, Run("list_dead", {std::to_string(limit)}));
  std::vector<DeadJob> out;
  for (const auto& e : r.elements) {
    if (e.elements.size() != 5) continue;
    out.push_back({JobId(e.elements[0].AsInt()), SubmissionId(e.elements[1].AsInt()),
                   static_cast<int>(e.elements[2].AsInt()), e.elements[3].str,
                   FromMillis(e.elements[4].AsInt())});
  }
  return out;
}

Result<std::vector<SubmissionId>> RedisJobQueue::RetryDead(std::optional<SubmissionId> only) {
  ASSIGN_OR_RETURN(auto r, Run("retry_dead", {only ? std::to_string(only->value()) : ""}));
  std::vector<SubmissionId> out;
  for (const auto& e : r.elements) out.emplace_back(e.AsInt());
  return out;
}

Result<int> RedisJobQueue::PurgeDead() {
  ASSIGN_OR_RETURN(auto r, Run("purge_dead", {}));
  return static_cast<int>(r.AsInt());
}

Result<std::vector<SubmissionId>> RedisJobQueue::PurgeWaiting() {
  ASSIGN_OR_RETURN(auto r, Run("purge_waiting", {}));
  std::vector<SubmissionId> out;
  for (const auto& e : r.elements) out.emplace_back(e.AsInt());
  return out;
}

}  // namespace ag
