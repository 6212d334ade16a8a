#pragma once

#include "daiban/cases/case_service.hpp"
#include "daiban/host/auth.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// The case API: applicants submit (POST /api/v1/cases), follow (GET …/{tracking}?code=),
// supply a material, cancel and rate; window staff and supervisors accept, reject, suspend,
// resume, list and read cases with a bearer token.
void AddCaseRoutes(kernel::Router& router, cases::CaseService& service, host::AuthService& auth,
                   const kernel::Clock& clock);

// The staff member behind a principal, as the cases library names actors.
cases::Actor ActorOf(const host::Principal& principal);

}  // namespace daiban::intake
