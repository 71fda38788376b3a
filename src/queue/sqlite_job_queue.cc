#include "queue/sqlite_job_queue.h"

#include <algorithm>

namespace ag {
namespace {

Status LeaseLost(const LeasedJob& job) {
  return FailedPreconditionError("lease of job " + job.id.ToString() + " (submission " +
                                 job.submission_id.ToString() + ") was lost");
}

}  // namespace

Status SqliteJobQueue::Ping() {
  return db_.Read([](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT COUNT(*) FROM jobs WHERE 0"));
    return stmt.Run();
  });
}

Status SqliteJobQueue::Enqueue(SubmissionId submission, TimePoint not_before) {
  const std::int64_t now = ToUnixMillis(clock_.Now());
  const std::int64_t ready = std::max(now, ToUnixMillis(not_before));
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare("INSERT INTO jobs(queue, submission_id, state, attempts, ready_at, created_at, "
                  "updated_at) "
                  "VALUES (?, ?, 'queued', 0, ?, ?, ?) "
                  "ON CONFLICT(submission_id) DO UPDATE SET state = 'queued', attempts = 0, "
                  "ready_at = excluded.ready_at, last_error = '', lease_owner = '', "
                  "updated_at = excluded.updated_at WHERE jobs.state = 'dead'"));
    return stmt.Bind(1, options_.queue_name)
        .Bind(2, submission.value())
        .Bind(3, ready)
        .Bind(4, now)
        .Bind(5, now)
        .Run();
  }));
  db_.NotifyWork();
  return OkStatus();
}

Result<std::optional<LeasedJob>> SqliteJobQueue::TryLease(std::string_view worker,
                                                          std::chrono::milliseconds lease) {
  std::optional<LeasedJob> job;
  const TimePoint now = clock_.Now();
  const std::int64_t now_ms = ToUnixMillis(now);
  const std::int64_t expires = ToUnixMillis(now + lease);
  // Look before taking the write lock: idle workers poll, and must not queue behind intake.
  bool any_ready = false;
  RETURN_IF_ERROR(db_.Read([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare(
            "SELECT 1 FROM jobs WHERE queue = ? AND state <> 'dead' AND ready_at <= ? LIMIT 1"));
    stmt.Bind(1, options_.queue_name).Bind(2, now_ms);
    ASSIGN_OR_RETURN(any_ready, stmt.Step());
    return OkStatus();
  }));
  if (!any_ready) return job;
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    // `state <> 'dead'` lets SQLite use the partial index idx_jobs_ready.
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare(
            "UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = ?, "
            "lease_token = lease_token + 1, ready_at = ?, updated_at = ? "
            "WHERE id = (SELECT id FROM jobs WHERE queue = ? AND state <> 'dead' AND ready_at <= ? "
            "ORDER BY ready_at, id LIMIT 1) "
            "RETURNING id, submission_id, attempts, lease_token"));
    stmt.Bind(1, worker)
        .Bind(2, expires)
        .Bind(3, now_ms)
        .Bind(4, options_.queue_name)
        .Bind(5, now_ms);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) {
      job = LeasedJob{JobId(stmt.Int(0)), SubmissionId(stmt.Int(1)), static_cast<int>(stmt.Int(2)),
                      stmt.Int(3), FromUnixMillis(expires)};
      ASSIGN_OR_RETURN(bool more, stmt.Step());
      (void)more;
    }
    return OkStatus();
  }));
  return job;
}

Result<std::optional<LeasedJob>> SqliteJobQueue::Lease(std::string_view worker,
                                                       std::chrono::milliseconds lease,
                                                       std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const std::uint64_t generation = db_.WorkGeneration();
    ASSIGN_OR_RETURN(auto job, TryLease(worker, lease));
    if (job) return job;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::optional<LeasedJob>();
    db_.WaitForWork(generation, std::min(deadline, now + options_.poll_interval));
  }
}

Status SqliteJobQueue::Heartbeat(LeasedJob& job, std::chrono::milliseconds lease) {
  const TimePoint now = clock_.Now();
  const TimePoint expires = now + lease;
  bool renewed = false;
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("UPDATE jobs SET ready_at = ?, updated_at = ? "
                                          "WHERE id = ? AND state = 'leased' AND lease_token = ?"));
    RETURN_IF_ERROR(stmt.Bind(1, ToUnixMillis(expires))
                        .Bind(2, ToUnixMillis(now))
                        .Bind(3, job.id.value())
                        .Bind(4, job.lease_token)
                        .Run());
    renewed = c.Changes() == 1;
    return OkStatus();
  }));
  if (!renewed) return LeaseLost(job);
  job.lease_expires_at = expires;
  return OkStatus();
}

Status SqliteJobQueue::Ack(const LeasedJob& job) {
  bool deleted = false;
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare("DELETE FROM jobs WHERE id = ? AND state = 'leased' AND lease_token = ?"));
    RETURN_IF_ERROR(stmt.Bind(1, job.id.value()).Bind(2, job.lease_token).Run());
    deleted = c.Changes() == 1;
    return OkStatus();
  }));
  return deleted ? OkStatus() : LeaseLost(job);
}

Result<FailResult> SqliteJobQueue::Fail(const LeasedJob& job, std::string_view reason,
                                        bool retryable) {
  const TimePoint now = clock_.Now();
  FailResult result;
  bool owned = false;
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto get,
        c.Prepare(
            "SELECT attempts FROM jobs WHERE id = ? AND state = 'leased' AND lease_token = ?"));
    get.Bind(1, job.id.value()).Bind(2, job.lease_token);
    ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return OkStatus();
    owned = true;
    const int attempts = static_cast<int>(get.Int(0));
    if (retryable && options_.retry.MayRetry(attempts)) {
      result.outcome = FailOutcome::kRetryScheduled;
      result.retry_at = now + options_.retry.DelayAfter(attempts, random_.NextUnit());
    } else {
      result.outcome = FailOutcome::kDead;
    }
    ASSIGN_OR_RETURN(
        auto upd,
        c.Prepare("UPDATE jobs SET state = ?, ready_at = ?, last_error = ?, lease_owner = '', "
                  "updated_at = ? WHERE id = ?"));
    const bool dead = result.outcome == FailOutcome::kDead;
    return upd.Bind(1, dead ? "dead" : "queued")
        .Bind(2, ToUnixMillis(dead ? now : result.retry_at))
        .Bind(3, reason)
        .Bind(4, ToUnixMillis(now))
        .Bind(5, job.id.value())
        .Run();
  }));
  if (!owned) return LeaseLost(job);
  return result;
}

Status SqliteJobQueue::Release(const LeasedJob& job) {
  const std::int64_t now = ToUnixMillis(clock_.Now());
  bool released = false;
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare(
            "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), ready_at = ?, "
            "lease_owner = '', updated_at = ? WHERE id = ? AND state = 'leased' AND lease_token = "
            "?"));
    RETURN_IF_ERROR(
        stmt.Bind(1, now).Bind(2, now).Bind(3, job.id.value()).Bind(4, job.lease_token).Run());
    released = c.Changes() == 1;
    return OkStatus();
  }));
  if (!released) return LeaseLost(job);
  db_.NotifyWork();
  return OkStatus();
}

Result<QueueStats> SqliteJobQueue::Stats() {
  QueueStats stats;
  const std::int64_t now = ToUnixMillis(clock_.Now());
  RETURN_IF_ERROR(db_.Read([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare("SELECT COALESCE(SUM(state = 'queued' AND ready_at <= ?1), 0), "
                  "COALESCE(SUM(state = 'queued' AND ready_at > ?1), 0), "
                  "COALESCE(SUM(state = 'leased'), 0), COALESCE(SUM(state = 'dead'), 0), "
                  "MIN(CASE WHEN state = 'queued' AND ready_at <= ?1 THEN ready_at END) "
                  "FROM jobs WHERE queue = ?2"));
    stmt.Bind(1, now).Bind(2, options_.queue_name);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) {
      stats.ready = stmt.Int(0);
      stats.delayed = stmt.Int(1);
      stats.leased = stmt.Int(2);
      stats.dead = stmt.Int(3);
      if (!stmt.IsNull(4)) stats.oldest_ready_age = std::chrono::milliseconds(now - stmt.Int(4));
    }
    return OkStatus();
  }));
  return stats;
}

Result<std::vector<DeadJob>> SqliteJobQueue::ListDead(int limit) {
  std::vector<DeadJob> out;
  RETURN_IF_ERROR(db_.Read([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare("SELECT id, submission_id, attempts, last_error, updated_at FROM jobs "
                  "WHERE queue = ? AND state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT ?"));
    stmt.Bind(1, options_.queue_name).Bind(2, limit);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back({JobId(stmt.Int(0)), SubmissionId(stmt.Int(1)), static_cast<int>(stmt.Int(2)),
                     stmt.Text(3), FromUnixMillis(stmt.Int(4))});
    }
    return OkStatus();
  }));
  return out;
}

Result<std::vector<SubmissionId>> SqliteJobQueue::RetryDead(std::optional<SubmissionId> only) {
  std::vector<SubmissionId> revived;
  const std::int64_t now = ToUnixMillis(clock_.Now());
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare("UPDATE jobs SET state = 'queued', attempts = 0, ready_at = ?1, last_error = '', "
                  "updated_at = ?1 WHERE queue = ?2 AND state = 'dead' AND (?3 = 0 OR "
                  "submission_id = ?3) "
                  "RETURNING submission_id"));
    stmt.Bind(1, now).Bind(2, options_.queue_name).Bind(3, only ? only->value() : std::int64_t{0});
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      revived.emplace_back(stmt.Int(0));
    }
    return OkStatus();
  }));
  if (!revived.empty()) db_.NotifyWork();
  return revived;
}

Result<int> SqliteJobQueue::PurgeDead() {
  int n = 0;
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("DELETE FROM jobs WHERE queue = ? AND state = 'dead'"));
    RETURN_IF_ERROR(stmt.Bind(1, options_.queue_name).Run());
    n = c.Changes();
    return OkStatus();
  }));
  return n;
}

Result<std::vector<SubmissionId>> SqliteJobQueue::PurgeWaiting() {
  std::vector<SubmissionId> purged;
  RETURN_IF_ERROR(db_.Write([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(
        auto stmt,
        c.Prepare("DELETE FROM jobs WHERE queue = ? AND state = 'queued' RETURNING submission_id"));
    stmt.Bind(1, options_.queue_name);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      purged.emplace_back(stmt.Int(0));
    }
    return OkStatus();
  }));
  return purged;
}

}  // namespace ag
