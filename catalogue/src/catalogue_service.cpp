#include "daiban/catalogue/catalogue_service.hpp"

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::catalogue {

namespace {

// The items list's own tag, so a cursor of another list (the case list's "c1", "k1") is refused
// here and this one there (400 naming cursor). It was "c1", shared with the case list's created
// order, until each list got its own; the items' "c1" cursors made before were not kept: a page
// cursor lives for one browse of the list, and a refused one starts the list again.
constexpr std::string_view kItemsTag = "i1";

// The last code of the page before; 400 naming cursor when `cursor` is not an items cursor.
std::string AfterCode(const std::string& cursor) {
  return kernel::CursorText(kernel::DecodeCursor(cursor, kItemsTag, 1).front());
}

}  // namespace

std::string EncodeCursor(const std::string& last_code) {
  return kernel::EncodeCursor(kItemsTag, {kernel::CursorHex(last_code)});
}

std::optional<std::string> DecodeCursor(const std::string& cursor) {
  try {
    return AfterCode(cursor);
  } catch (const kernel::ApiError&) {
    return std::nullopt;
  }
}

void CatalogueService::Import(const std::vector<std::pair<std::string, std::string>>& files) {
  CatalogueImport import = ParseCatalogueFiles(files);
  store_.Import(
      import, [&](const KnownCodes& known) { CheckReferences(import, known); }, clock_.Now());
}

ItemPage CatalogueService::ListItems(ItemFilter filter, const std::string& cursor) {
  filter.after_code.clear();
  if (!cursor.empty()) {
    filter.after_code = AfterCode(cursor);
  }
  if (filter.limit < 1 || filter.limit > kMaxPageSize) {
    throw kernel::BadRequest("limit must be 1.." + std::to_string(kMaxPageSize), "limit");
  }
  if (!filter.region_code.empty() && !store_.RegionExists(filter.region_code)) {
    throw kernel::BadRequest("unknown region '" + filter.region_code + "'", "region");
  }
  if (!filter.department_code.empty() && !store_.DepartmentExists(filter.department_code)) {
    throw kernel::BadRequest("unknown department '" + filter.department_code + "'", "department");
  }
  // One more than asked tells whether another page exists.
  int asked = filter.limit;
  filter.limit = asked + 1;
  ItemPage page;
  page.items = store_.Items(filter);
  if (static_cast<int>(page.items.size()) > asked) {
    page.items.resize(static_cast<std::size_t>(asked));
    page.next_cursor = EncodeCursor(page.items.back().code);
  }
  return page;
}

CatalogueService::Guide CatalogueService::GetGuide(const std::string& code) {
  auto item = store_.FindItem(code);
  if (!item) throw kernel::NotFound("no item '" + code + "'");
  auto department = store_.FindDepartment(item->department_code);
  if (!department) throw std::logic_error("item " + code + " has no department");
  return {std::move(*item), std::move(*department)};
}

std::map<std::string, CatalogueService::Guide> CatalogueService::GuidesFor(
    const std::vector<std::string>& codes) {
  std::map<std::string, Guide> guides;
  if (codes.empty()) return guides;
  for (auto& [item, department] : store_.ItemsWithDepartments(codes)) {
    auto code = item.code;
    guides.emplace(std::move(code), Guide{std::move(item), std::move(department)});
  }
  return guides;
}

Bundle CatalogueService::GetBundle(const std::string& code) {
  auto bundle = store_.FindBundle(code);
  if (!bundle) throw kernel::NotFound("no bundle '" + code + "'");
  return *bundle;
}

}  // namespace daiban::catalogue
