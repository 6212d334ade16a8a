#pragma once

#include <functional>
#include <string>

#include "daiban/kernel/errors.hpp"

namespace daiban::cases::testing {

// The code of the kernel::ApiError `call` throws, "" when it throws none: how a use case's unit
// test says which refusal it expects ("not_found", "idempotency_key_reused", ...).
inline std::string CodeOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const kernel::ApiError& error) {
    return error.Code();
  }
  return "";
}

}  // namespace daiban::cases::testing
