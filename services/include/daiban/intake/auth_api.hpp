#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me.
void AddAuthRoutes(kernel::Router& router, accounts::AuthService& auth);

}  // namespace daiban::intake
