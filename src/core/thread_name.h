#pragma once

#include <pthread.h>

#include <string>

namespace ag {

// Names the calling thread (at most 15 characters show), so that top -H, perf and gdb say which
// part of the service a thread is.
inline void NameThisThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace ag
