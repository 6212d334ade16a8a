#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/supervision/followups.hpp"
#include "daiban/supervision/stats_service.hpp"

namespace daiban::intake {

// What a supervisor (its region subtree and/or department) or an administrator (everything)
// reaches; ApiError 403 for every other role.
supervision::SupervisionScope SupervisionScopeOf(const accounts::Principal& principal);

// GET /api/v1/stats/{departments,regions,agents}?from=&to=&format=json|csv|xlsx
void AddStatsRoutes(kernel::Router& router, supervision::StatsService& stats,
                    accounts::AuthService& auth);

// GET /api/v1/followups?state=open|closed|all, POST /api/v1/followups/{id}/calls,
// POST /api/v1/followups/{id}/close
void AddFollowupRoutes(kernel::Router& router, supervision::FollowupService& followups,
                       accounts::AuthService& auth);

}  // namespace daiban::intake
