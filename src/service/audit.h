// One entry of the audit log, stamped by the clock: what the session and account services both
// write.
#pragma once

#include <string>

#include "core/clock.h"
#include "store/account_store.h"

namespace ag {

inline Status WriteAudit(AccountStore& store, const Clock& clock, std::string actor,
                         std::string action, std::string entity, std::string entity_id,
                         Json detail = Json::object()) {
  AuditEntry e;
  e.actor = std::move(actor);
  e.action = std::move(action);
  e.entity = std::move(entity);
  e.entity_id = std::move(entity_id);
  e.detail = std::move(detail);
  e.created_at = clock.Now();
  return store.AppendAudit(e);
}

}  // namespace ag
