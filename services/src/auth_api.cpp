#include "daiban/intake/auth_api.hpp"

#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::intake {

using accounts::AuthService;
using accounts::PrincipalJson;

namespace {
// Argon2id needs a moment; a login body is tiny.
constexpr kernel::RouteOptions kLoginRoute{.max_body_bytes = 4 * 1024, .blocking = true};
}  // namespace

void AddAuthRoutes(kernel::Router& router, AuthService& auth) {
  router.Add(
      "POST", "/api/v1/auth/login",
      [&auth](const kernel::HttpRequest& request) {
        auto body = request.JsonBody();
        std::string phone = kernel::RequireString(body, "phone");
        std::string password = kernel::RequireString(body, "password");
        auto result = auth.Login(phone, password, request.client_ip);
        auto expires = std::chrono::floor<std::chrono::seconds>(result.expires_at);
        return kernel::HttpResponse::WithJson(200,
                                              {{"token", result.token},
                                               {"token_type", "Bearer"},
                                               {"expires_at", cases::FormatRfc3339China(expires)},
                                               {"user", PrincipalJson(result.principal)}});
      },
      kLoginRoute);
  router.Add("POST", "/api/v1/auth/logout", [&auth](const kernel::HttpRequest& request) {
    auth.Authenticate(request);
    auth.Logout(request.Header("authorization")->substr(7));
    return kernel::HttpResponse::WithJson(200, {{"signed_out", true}});
  });
  router.Add("GET", "/api/v1/auth/me", [&auth](const kernel::HttpRequest& request) {
    return kernel::HttpResponse::WithJson(200,
                                          {{"user", PrincipalJson(auth.Authenticate(request))}});
  });
}

}  // namespace daiban::intake
