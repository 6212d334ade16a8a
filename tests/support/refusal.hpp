#pragma once

#include <functional>
#include <string>
#include <utility>

#include "daiban/kernel/errors.hpp"

namespace daiban::testing {

// The ApiError `action` throws, as status and field (0 and "" when it throws none).
inline std::pair<int, std::string> Refusal(const std::function<void()>& action) {
  try {
    action();
  } catch (const kernel::ApiError& error) {
    return {error.Status(), error.Field()};
  }
  return {0, ""};
}

}  // namespace daiban::testing
