#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/supervision/simulation_reports.hpp"

namespace daiban::intake {

// POST /api/v1/simulations/reports (administrators), GET /api/v1/simulations/reports,
// GET /api/v1/simulations/reports/{id}, GET /api/v1/simulations/reports/{id}/html
// (supervisors and administrators).
void AddSimulationReportRoutes(kernel::Router& router,
                               supervision::SimulationReportService& reports,
                               accounts::AuthService& auth);

}  // namespace daiban::intake
