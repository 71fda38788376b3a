#include "service/submission_service.h"

#include <cstdint>
#include <future>

#include "core/thread_name.h"
#include "rag/extract.h"

namespace ag {

SubmissionService::SubmissionService(Store& store, BlobStore& blobs, JobQueue& queue,
                                     const Clock& clock, Logger& log, IntakeOptions options)
    : store_(store),
      blobs_(blobs),
      queue_(queue),
      clock_(clock),
      log_(log),
      options_(options),
      callbacks_thread_([this] {
        NameThisThread("ag-intake-done");
        RunCallbacks();
      }),
      rows_thread_([this] {
        NameThisThread("ag-intake-rows");
        WriteRows();
      }),
      blobs_thread_([this] {
        NameThisThread("ag-intake-blob");
        WriteBlobs();
      }) {}

SubmissionService::~SubmissionService() { Drain(); }

void SubmissionService::Drain() {
  std::lock_guard lock(drain_mu_);
  if (drained_) return;
  {
    std::lock_guard accepting(accepting_mu_);
    accepting_ = false;
  }
  // Each stage drains what it holds, then closes the next one's queue.
  waiting_.Close();
  blobs_thread_.join();
  rows_thread_.join();
  callbacks_thread_.join();
  drained_ = true;
}

Result<Submission> SubmissionService::Submit(const SubmitRequest& request) {
  std::promise<Result<Submission>> result;
  auto future = result.get_future();
  SubmitAsync(request, [&result](Result<Submission> r) { result.set_value(std::move(r)); });
  return future.get();
}

void SubmissionService::SubmitAsync(const SubmitRequest& r, SubmitCallback done) {
  auto exists = store_.AssignmentExists(r.assignment_id);
  if (!exists.ok()) return done(exists.status());
  if (!*exists) return done(NotFoundError("Assignment not found"));
  auto extracted = ExtractText(r.filename, r.bytes);
  if (!extracted.ok()) return done(extracted.status());
  std::unique_lock accepting(accepting_mu_);
  if (!accepting_) {
    accepting.unlock();
    return done(UnavailableError("the service is shutting down"));
  }
  waiting_.Push(Pending{NewSubmission{r.assignment_id, r.student_id, r.filename, "", "",
                                      std::move(extracted->text), r.user_id},
                        std::string(r.bytes), std::move(done)});
}

void SubmissionService::WriteBlobs() {
  for (;;) {
    std::vector<Pending> batch = waiting_.TakeUpTo(options_.max_batch);
    if (batch.empty()) break;
    std::vector<std::string_view> bytes;
    bytes.reserve(batch.size());
    for (const Pending& p : batch) bytes.push_back(p.bytes);
    std::vector<Result<std::string>> keys = blobs_.PutMany(bytes);
    std::vector<Pending> written;
    written.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!keys[i].ok()) {
        reports_.Push({std::move(batch[i].done), keys[i].status()});
        continue;
      }
      batch[i].submission.blob_key = *keys[i];
      batch[i].submission.sha256 = *keys[i];
      batch[i].bytes.clear();
      written.push_back(std::move(batch[i]));
    }
    blobs_done_.PushAll(written);
  }
  blobs_done_.Close();
}

void SubmissionService::WriteRows() {
  for (;;) {
    std::vector<Pending> batch = blobs_done_.TakeUpTo(options_.max_batch);
    if (batch.empty()) break;
    std::vector<NewSubmission> rows;
    rows.reserve(batch.size());
    for (Pending& p : batch) rows.push_back(std::move(p.submission));
    std::vector<Result<CreatedSubmission>> created = store_.CreateSubmissions(rows, clock_.Now());
    std::vector<Report> reports;
    reports.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!created[i].ok()) {
        reports.push_back({std::move(batch[i].done), created[i].status()});
        continue;
      }
      if (!created[i]->job_enqueued) {
        // The row is committed; if this enqueue is lost, the sweeper enqueues it later.
        if (Status q = queue_.Enqueue(created[i]->submission.id, clock_.Now()); !q.ok()) {
          log_.Warn(
              "enqueue failed; the sweeper will retry",
              {{"submission_id", created[i]->submission.id.value()}, {"error", q.ToString()}});
        }
      }
      reports.push_back({std::move(batch[i].done), std::move(created[i]->submission)});
    }
    reports_.PushAll(reports);
  }
  reports_.Close();
}

void SubmissionService::RunCallbacks() {
  for (;;) {
    std::vector<Report> batch = reports_.TakeUpTo(SIZE_MAX);
    if (batch.empty()) return;
    for (auto& [done, result] : batch) done(std::move(result));
  }
}

}  // namespace ag
