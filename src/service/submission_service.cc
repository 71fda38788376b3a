#include "service/submission_service.h"

#include <future>

#include "rag/extract.h"

namespace ag {

SubmissionService::SubmissionService(Store& store, BlobStore& blobs, JobQueue& queue,
                                     const Clock& clock, Logger& log, IntakeOptions options)
    : store_(store), blobs_(blobs), queue_(queue), clock_(clock), log_(log), options_(options),
      intake_([this](std::stop_token stop) { IntakeLoop(stop); }) {}

SubmissionService::~SubmissionService() {
  intake_.request_stop();
  cv_.notify_all();
}

Result<Submission> SubmissionService::Submit(const SubmitRequest& request) {
  std::promise<Result<Submission>> result;
  auto future = result.get_future();
  SubmitAsync(request, [&result](Result<Submission> r) { result.set_value(std::move(r)); });
  return future.get();
}

void SubmissionService::SubmitAsync(const SubmitRequest& r, SubmitCallback done) {
  if (Status s = store_.GetAssignment(r.assignment_id).status(); !s.ok()) return done(s);
  auto extracted = ExtractText(r.filename, r.bytes);
  if (!extracted.ok()) return done(extracted.status());
  Pending p{NewSubmission{r.assignment_id, r.student_id, r.filename, "", "",
                          std::move(extracted->text)},
            std::string(r.bytes), std::move(done)};
  {
    std::lock_guard lock(mu_);
    waiting_.push_back(std::move(p));
  }
  cv_.notify_one();
}

void SubmissionService::IntakeLoop(std::stop_token stop) {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [&] { return !waiting_.empty(); });
      // On stop, what was accepted is still written before the thread ends.
      if (waiting_.empty()) return;
      while (!waiting_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
      }
    }
    WriteBatch(batch);
  }
}

void SubmissionService::WriteBatch(std::vector<Pending>& batch) {
  std::vector<std::string_view> bytes;
  bytes.reserve(batch.size());
  for (const Pending& p : batch) bytes.push_back(p.bytes);
  std::vector<Result<std::string>> keys = blobs_.PutMany(bytes);

  std::vector<Pending*> stored;
  std::vector<NewSubmission> rows;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!keys[i].ok()) {
      batch[i].done(keys[i].status());
      continue;
    }
    batch[i].submission.blob_key = *keys[i];
    batch[i].submission.sha256 = *keys[i];
    stored.push_back(&batch[i]);
    rows.push_back(std::move(batch[i].submission));
  }
  if (rows.empty()) return;
  std::vector<Result<CreatedSubmission>> created = store_.CreateSubmissions(rows, clock_.Now());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (!created[i].ok()) {
      stored[i]->done(created[i].status());
      continue;
    }
    if (!created[i]->job_enqueued) {
      // The row is committed; if this enqueue is lost, the sweeper enqueues it later.
      if (Status q = queue_.Enqueue(created[i]->submission.id, clock_.Now()); !q.ok()) {
        log_.Warn("enqueue failed; the sweeper will retry",
                  {{"submission_id", created[i]->submission.id.value()}, {"error", q.ToString()}});
      }
    }
    stored[i]->done(std::move(created[i]->submission));
  }
}

}  // namespace ag
