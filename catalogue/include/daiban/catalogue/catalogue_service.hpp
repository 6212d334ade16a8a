#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daiban/catalogue/catalogue_store.hpp"
#include "daiban/kernel/clock.hpp"

namespace daiban::catalogue {

struct ItemPage {
  std::vector<Item> items;
  std::string next_cursor;  // empty on the last page
};

// The catalogue's use cases: import, and the reads behind the public catalogue API.
class CatalogueService {
 public:
  static constexpr int kDefaultPageSize = 20;
  static constexpr int kMaxPageSize = 100;

  CatalogueService(CatalogueStore& store, const kernel::Clock& clock)
      : store_(store), clock_(clock) {}

  // Parses, checks and applies a set of catalogue files (name → text) as one transaction;
  // throws kernel::CsvError naming file, line and column, and then writes nothing.
  void Import(const std::vector<std::pair<std::string, std::string>>& files);

  std::vector<Region> Regions() { return store_.Regions(); }
  std::vector<Department> Departments() { return store_.Departments(); }
  // `filter.after_code` is ignored: `cursor` (from a previous page) says where to go on.
  // Throws ApiError 400 for a malformed cursor or an unknown region or department.
  ItemPage ListItems(ItemFilter filter, const std::string& cursor);
  // The full service guide (服务指南): the item, its materials and its department.
  struct Guide {
    Item item;
    Department department;
  };
  Guide GetGuide(const std::string& code);  // 404 when unknown
  // The guides of a page's items read together (one statement instead of two per item), by
  // code, without materials; unknown codes are absent rather than an error.
  std::map<std::string, Guide> GuidesFor(const std::vector<std::string>& codes);
  std::vector<Bundle> Bundles() { return store_.Bundles(); }
  Bundle GetBundle(const std::string& code);  // 404 when unknown

 private:
  CatalogueStore& store_;
  const kernel::Clock& clock_;
};

// Cursors are opaque to clients; today they carry the last code of a page.
std::string EncodeCursor(const std::string& last_code);
std::optional<std::string> DecodeCursor(const std::string& cursor);

}  // namespace daiban::catalogue
