#pragma once

// What the accounts' tests, with the fakes and with PostgreSQL, ask and check alike.
#include <functional>
#include <string>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::accounts::testing {

// A request carrying `token` as its bearer token.
inline kernel::HttpRequest WithToken(const std::string& token) {
  kernel::HttpRequest request;
  request.headers["authorization"] = "Bearer " + token;
  return request;
}

// The HTTP status of the ApiError `action` throws; 0 when it throws none.
inline int StatusOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const kernel::ApiError& error) {
    return error.Status();
  }
  return 0;
}

}  // namespace daiban::accounts::testing
