#pragma once

#include "daiban/accounts/auth.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// The case API: applicants submit (POST /api/v1/cases), follow (GET …/{tracking}?code=),
// supply a material, cancel and rate; window staff and supervisors accept, reject, suspend,
// resume, list and read cases with a bearer token.
void AddCaseRoutes(kernel::Router& router, cases::CaseService& service, accounts::AuthService& auth,
                   const kernel::Clock& clock);

}  // namespace daiban::intake
