#include "daiban/kernel/static_site.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {

void AddStaticRoutes(Router& router, const std::string& prefix, const std::vector<WebFile>& files) {
  router.Add("GET", prefix + "*",
             [&files](const HttpRequest& request) {
               const std::string& rest = request.Param("*");
               const std::string name = rest.empty() ? "index.html" : rest;
               for (const auto& file : files) {
                 if (file.name != name) continue;
                 auto response = HttpResponse::Text(200, std::string(file.body), file.content_type);
                 response.headers.emplace_back("Cache-Control", "no-cache");
                 return response;
               }
               throw NotFound("no such page");
             },
             {.max_body_bytes = 0, .blocking = false});
}

}  // namespace daiban::kernel
