// The GradeCache port on Redis (with REDIS_URL): one entry per request hash, shared by every
// worker process, expiring after a time to live. A cache, not a store: when Redis is away, Get
// misses and Put is dropped, and grading goes on by calling the model.
#pragma once

#include <chrono>
#include <string>

#include "grading/grade_cache.h"
#include "redis/redis_client.h"

namespace ag {

// GraderOutput as JSON and back (nullopt for a value that is not one).
Json GraderOutputToJson(const GraderOutput& output);
std::optional<GraderOutput> GraderOutputFromJson(const Json& json);

class RedisGradeCache final : public GradeCache {
 public:
  RedisGradeCache(RedisClient& redis, std::chrono::seconds ttl, std::string prefix = "ag:grades:")
      : redis_(redis), ttl_(ttl), prefix_(std::move(prefix)) {}
  std::optional<GraderOutput> Get(const std::string& key) override;
  void Put(const std::string& key, const GraderOutput& output) override;

 private:
  RedisClient& redis_;
  std::chrono::seconds ttl_;
  std::string prefix_;
};

}  // namespace ag
