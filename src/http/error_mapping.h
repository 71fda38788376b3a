#pragma once

#include "core/status.h"
#include "http/message.h"

namespace ag {

// The one place Status codes become HTTP responses. Bad input that names a field answers 422
// with FastAPI's shape, {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}, as the
// original service did; an upload of a type we do not read 415 (ErrorReason::
// kUnsupportedMediaType); other bad input 400, missing things 404, all with {"detail": "..."}.
// An internal error's message is logged by the caller, never sent.
int HttpStatusFor(StatusCode code);
HttpResponse ErrorResponse(const Status& status);

}  // namespace ag
