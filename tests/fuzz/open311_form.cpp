// A POST requests.json form body as the Open311 facade reads it: the form decoding, then what
// it feeds (the case request for an item with two materials, and the same fields read as the
// arguments of GET requests.json). Anything but ApiError escaping is a bug (a 500).
#include <chrono>

#include "daiban/intake/open311.hpp"
#include "daiban/kernel/errors.hpp"
#include "fuzz_target.hpp"

namespace open311 = daiban::intake::open311;
using daiban::kernel::ApiError;

namespace {

const daiban::catalogue::Item& Item() {
  static const daiban::catalogue::Item item = [] {
    daiban::catalogue::Item i;
    i.code = "SCJG-001";
    i.name = "个体工商户设立登记";
    i.modes = {daiban::catalogue::ProxyMode::kProxy, daiban::catalogue::ProxyMode::kAssisted};
    i.materials = {{.seq = 1, .name = "身份证"},
                   {.seq = 2, .name = "经营场所证明", .essential = false}};
    return i;
  }();
  return item;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = daiban::fuzz::Text(data, size);
  (void)open311::IsFormContentType(body);
  open311::Form form;
  try {
    form = open311::ParseForm(body);
  } catch (const ApiError&) {
    return 0;
  }
  try {
    (void)open311::BuildCaseRequest(form, Item(), 1);
  } catch (const ApiError&) {
  }
  try {
    const daiban::cases::Moment now{std::chrono::seconds{1'790'000'000}};
    auto query = open311::ParseRequestQuery(form, now);
    if (query.from && query.to) FUZZ_CHECK(*query.from <= *query.to);
  } catch (const ApiError&) {
  }
  return 0;
}
