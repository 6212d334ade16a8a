#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/intake/followups.hpp"
#include "daiban/intake/stats_service.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// What a supervisor (its region subtree and/or department) or an administrator (everything)
// reaches; ApiError 403 for every other role.
SupervisionScope SupervisionScopeOf(const accounts::Principal& principal);

// GET /api/v1/stats/{departments,regions,agents}?from=&to=&format=json|csv|xlsx
void AddStatsRoutes(kernel::Router& router, StatsService& stats, accounts::AuthService& auth);

// GET /api/v1/followups?state=open|closed|all, POST /api/v1/followups/{id}/calls,
// POST /api/v1/followups/{id}/close
void AddFollowupRoutes(kernel::Router& router, FollowupService& followups,
                       accounts::AuthService& auth);

}  // namespace daiban::intake
