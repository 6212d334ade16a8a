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

// CodeOf with the refused field after a colon when the error names one
// ("unprocessable:id_last4"), for refusals that say which input was wrong.
inline std::string CodeAndFieldOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const kernel::ApiError& error) {
    return error.Code() + (error.Field().empty() ? "" : ":" + error.Field());
  }
  return "";
}

}  // namespace daiban::cases::testing
