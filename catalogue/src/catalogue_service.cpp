#include "daiban/catalogue/catalogue_service.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::catalogue {

namespace {
constexpr const char* kCursorPrefix = "c1.";
}

std::string EncodeCursor(const std::string& last_code) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = kCursorPrefix;
  for (unsigned char c : last_code) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0x0f];
  }
  return out;
}

std::optional<std::string> DecodeCursor(const std::string& cursor) {
  std::string prefix = kCursorPrefix;
  if (cursor.rfind(prefix, 0) != 0 || (cursor.size() - prefix.size()) % 2 != 0) {
    return std::nullopt;
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = prefix.size(); i < cursor.size(); i += 2) {
    int high = nibble(cursor[i]);
    int low = nibble(cursor[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

void CatalogueService::Import(const std::vector<std::pair<std::string, std::string>>& files) {
  CatalogueImport import = ParseCatalogueFiles(files);
  repository_.Import(
      import, [&](const KnownCodes& known) { CheckReferences(import, known); }, clock_.Now());
}

ItemPage CatalogueService::ListItems(ItemFilter filter, const std::string& cursor) {
  filter.after_code.clear();
  if (!cursor.empty()) {
    auto after = DecodeCursor(cursor);
    if (!after) throw kernel::BadRequest("malformed cursor", "cursor");
    filter.after_code = *after;
  }
  if (filter.limit < 1 || filter.limit > kMaxPageSize) {
    throw kernel::BadRequest("limit must be 1.." + std::to_string(kMaxPageSize), "limit");
  }
  if (!filter.region_code.empty() && !repository_.RegionExists(filter.region_code)) {
    throw kernel::BadRequest("unknown region '" + filter.region_code + "'", "region");
  }
  if (!filter.department_code.empty() && !repository_.DepartmentExists(filter.department_code)) {
    throw kernel::BadRequest("unknown department '" + filter.department_code + "'", "department");
  }
  // One more than asked tells whether another page exists.
  int asked = filter.limit;
  filter.limit = asked + 1;
  ItemPage page;
  page.items = repository_.Items(filter);
  if (static_cast<int>(page.items.size()) > asked) {
    page.items.resize(static_cast<std::size_t>(asked));
    page.next_cursor = EncodeCursor(page.items.back().code);
  }
  return page;
}

CatalogueService::Guide CatalogueService::GetGuide(const std::string& code) {
  auto item = repository_.FindItem(code);
  if (!item) throw kernel::NotFound("no item '" + code + "'");
  auto department = repository_.FindDepartment(item->department_code);
  if (!department) throw std::logic_error("item " + code + " has no department");
  return {std::move(*item), std::move(*department)};
}

Bundle CatalogueService::GetBundle(const std::string& code) {
  auto bundle = repository_.FindBundle(code);
  if (!bundle) throw kernel::NotFound("no bundle '" + code + "'");
  return *bundle;
}

}  // namespace daiban::catalogue
