// JSON request bodies as handlers read them: HttpRequest::JsonBody (the server's depth limit),
// then the typed member readers. Anything but ApiError escaping is a bug (it would be a 500).
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/http.hpp"
#include "daiban/kernel/json.hpp"
#include "fuzz_target.hpp"

using daiban::kernel::ApiError;
using daiban::kernel::Json;

namespace {

template <typename Read>
void Refusable(Read read) {
  try {
    read();
  } catch (const ApiError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  daiban::kernel::HttpRequest request;
  request.body = daiban::fuzz::Text(data, size);
  Json body;
  try {
    body = request.JsonBody();
  } catch (const ApiError&) {
    return 0;
  }
  // What the server accepted, written out as a response would be, reads back the same.
  FUZZ_CHECK(daiban::kernel::ParseJsonBody(daiban::kernel::DumpJson(body),
                                           request.max_json_depth) == body);
  Refusable([&] { daiban::kernel::RequireObject(body); });
  if (!body.is_object()) return 0;
  for (const char* field : {"name", "id", "note"}) {
    Refusable([&] { daiban::kernel::RequireMember(body, field); });
    Refusable([&] { daiban::kernel::RequireString(body, field); });
    Refusable([&] { daiban::kernel::OptionalString(body, field); });
    Refusable([&] { daiban::kernel::RequireInt(body, field); });
  }
  return 0;
}
