#include <cstdio>
#include <random>

#include "app/commands.h"
#include "app/wiring.h"
#include "core/time_format.h"

namespace ag {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "autograder: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int RunMigrate(const CommonFlags& common) {
  auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  SystemClock clock;
  Logger log(clock, config->log_level);
  SeededRandom random(1);
  auto services = BuildQueueAdmin(*config, clock, log, random);
  if (!services.ok()) return Fail(services.status());
  const std::string where = config->mysql_host.empty() ? config->sqlite_path()
                                                       : "mysql://" + config->mysql_host + ":" +
                                                             std::to_string(config->mysql_port) +
                                                             "/" + config->mysql_database;
  std::printf("database %s is migrated\n", where.c_str());
  return 0;
}

int RunQueue(const CommonFlags& common, const QueueFlags& f) {
  auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  SystemClock clock;
  Logger log(clock, config->log_level);
  SeededRandom random(std::random_device{}());
  auto built = BuildQueueAdmin(*config, clock, log, random);
  if (!built.ok()) return Fail(built.status());
  Services& s = **built;

  if (f.action == "stats") {
    auto stats = s.queue->Stats();
    if (!stats.ok()) return Fail(stats.status());
    auto counts = s.store->CountSubmissionsByStatus();
    if (!counts.ok()) return Fail(counts.status());
    auto dead = s.queue->ListDead(f.dead_limit);
    if (!dead.ok()) return Fail(dead.status());
    Json dead_list = Json::array();
    for (const auto& d : *dead) {
      dead_list.push_back({{"job_id", d.id.value()},
                           {"submission_id", d.submission_id.value()},
                           {"attempts", d.attempts},
                           {"last_error", d.last_error},
                           {"died_at", FormatIso8601(d.updated_at)}});
    }
    const Json out{{"jobs",
                    {{"ready", stats->ready},
                     {"delayed", stats->delayed},
                     {"leased", stats->leased},
                     {"dead", stats->dead},
                     {"depth", stats->depth()},
                     {"oldest_ready_age_seconds",
                      std::chrono::duration<double>(stats->oldest_ready_age).count()}}},
                   {"submissions",
                    {{"queued", counts->queued},
                     {"grading", counts->grading},
                     {"done", counts->done},
                     {"needs_review", counts->needs_review},
                     {"error", counts->error}}},
                   {"dead_jobs", dead_list}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (f.action == "retry") {
    std::optional<SubmissionId> only;
    if (f.submission) only = SubmissionId(*f.submission);
    auto revived = s.queue->RetryDead(only);
    if (!revived.ok()) return Fail(revived.status());
    auto requeued = s.store->Requeue(*revived, clock.Now());
    if (!requeued.ok()) return Fail(requeued.status());
    std::printf("%zu dead job(s) queued again\n", revived->size());
    return 0;
  }
  if (f.action == "purge") {
    if (f.waiting) {
      auto purged = s.queue->PurgeWaiting();
      if (!purged.ok()) return Fail(purged.status());
      for (SubmissionId id : *purged) {
        Status m = s.store->MarkFailed(id, "purged by an operator", clock.Now());
        if (!m.ok() && m.code() != StatusCode::kFailedPrecondition) return Fail(m);
      }
      std::printf("%zu waiting job(s) purged; their submissions are marked error\n",
                  purged->size());
      return 0;
    }
    auto n = s.queue->PurgeDead();
    if (!n.ok()) return Fail(n.status());
    std::printf("%d dead job(s) purged\n", *n);
    return 0;
  }
  return 2;
}

}  // namespace ag
