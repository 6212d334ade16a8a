#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daiban/kernel/http.hpp"

namespace daiban::kernel {

// One file of a web page compiled into the binary (cmake/embed_web.cmake).
struct WebFile {
  std::string name;  // e.g. "app.js"
  std::string content_type;
  std::string_view body;
};

// Serves `files` under `prefix` (e.g. "/console/"): the prefix itself answers index.html, the
// prefix followed by a file's name that file, anything else 404. Pages change with the build,
// so browsers revalidate (no-cache).
void AddStaticRoutes(Router& router, const std::string& prefix, const std::vector<WebFile>& files);

}  // namespace daiban::kernel
