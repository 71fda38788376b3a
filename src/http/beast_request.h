// A Beast request as the handlers see it (HttpRequest). Included only by the translation units
// that hold Beast: the server, and the one-shot parser of wire.h.
#pragma once

#include <utility>  // before any Boost header: g++ 12 needs it

#include <boost/beast/http.hpp>

#include "http/message.h"

namespace ag {

HttpRequest FromBeastRequest(boost::beast::http::request<boost::beast::http::string_body>&& req);

}  // namespace ag
