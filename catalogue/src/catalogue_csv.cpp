// Reading the catalogue import files (the columns are documented in README.md).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "daiban/catalogue/catalogue.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::catalogue {

namespace {

using kernel::CsvError;
using kernel::CsvTable;

// Typed access to one row's fields; every failure is a CsvError at the field.
class RowReader {
 public:
  RowReader(std::shared_ptr<const CsvTable> table, std::size_t row)
      : origin_{std::move(table), row} {}

  const Origin& Where() const { return origin_; }
  CsvError Error(const std::string& column, const std::string& message) const {
    return origin_.ErrorAt(column, message);
  }

  std::string Text(const std::string& column, bool required = true,
                   std::size_t max_bytes = 4000) const {
    const std::string& value = Raw(column);
    if (required && value.empty()) throw Error(column, "required");
    if (value.size() > max_bytes) {
      throw Error(column, "longer than " + std::to_string(max_bytes) + " bytes");
    }
    return value;
  }

  std::string Code(const std::string& column, bool required = true) const {
    const std::string& value = Raw(column);
    if (value.empty()) {
      if (required) throw Error(column, "required");
      return value;
    }
    bool valid = value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                 });
    if (!valid) throw Error(column, "'" + value + "' is not a code (letters, digits, - and _)");
    return value;
  }

  int Int(const std::string& column, int min, int max) const {
    const std::string& value = Raw(column);
    int parsed = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
      throw Error(column, "'" + value + "' is not a whole number");
    }
    if (parsed < min || parsed > max) {
      throw Error(column, std::to_string(parsed) + " is outside " + std::to_string(min) + ".." +
                              std::to_string(max));
    }
    return parsed;
  }

  std::optional<double> Decimal(const std::string& column, double min, double max,
                                bool required) const {
    const std::string& value = Raw(column);
    if (value.empty()) {
      if (required) throw Error(column, "required");
      return std::nullopt;
    }
    double parsed = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (error != std::errc() || end != value.data() + value.size() || !std::isfinite(parsed)) {
      throw Error(column, "'" + value + "' is not a number");
    }
    if (parsed < min || parsed > max) {
      throw Error(column,
                  value + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    }
    return parsed;
  }

  template <typename Parser>
  auto Word(const std::string& column, Parser parse, const std::string& allowed) const {
    const std::string& value = Raw(column);
    auto parsed = parse(value);
    if (!parsed) throw Error(column, "'" + value + "' is not one of " + allowed);
    return *parsed;
  }

  // '|'-separated words, at least one, no repeats.
  template <typename Parser>
  auto Words(const std::string& column, Parser parse, const std::string& allowed) const {
    const std::string& value = Raw(column);
    std::vector<std::decay_t<decltype(*parse(""))>> out;
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t bar = value.find('|', start);
      if (bar == std::string::npos) bar = value.size();
      std::string word = value.substr(start, bar - start);
      auto parsed = parse(word);
      if (!parsed) {
        throw Error(column, "'" + word + "' is not one of " + allowed + " (separate with |)");
      }
      if (std::find(out.begin(), out.end(), *parsed) != out.end()) {
        throw Error(column, "'" + word + "' is listed twice");
      }
      out.push_back(*parsed);
      start = bar + 1;
    }
    return out;
  }

  bool YesNo(const std::string& column) const {
    const std::string& value = Raw(column);
    if (value == "yes") return true;
    if (value == "no") return false;
    throw Error(column, "'" + value + "' is not yes or no");
  }

 private:
  const std::string& Raw(const std::string& column) const {
    return origin_.table->Field(origin_.table->Rows()[origin_.row], column);
  }
  Origin origin_;
};

const std::vector<std::string> kRegionColumns = {"code",        "name", "level",
                                                 "parent_code", "lat",  "lng"};
const std::vector<std::string> kDepartmentColumns = {"code",      "name",         "region_code",
                                                     "hall_name", "hall_address", "lat",
                                                     "lng",       "office_hours", "phone"};
const std::vector<std::string> kItemColumns = {
    "code",           "name",           "service_class", "kind",  "department_code",  "level",
    "committed_days", "legal_days",     "conditions",    "modes", "delivery_options", "fee",
    "legal_basis",    "where_to_apply", "how_to_apply"};
const std::vector<std::string> kMaterialColumns = {"item_code", "seq",    "name", "essential",
                                                   "form",      "copies", "note"};
const std::vector<std::string> kBundleColumns = {"code", "name", "description", "committed_days",
                                                 "lead_department_code"};
const std::vector<std::string> kStepColumns = {"bundle_code", "step_order", "item_code"};

// Calls `read` for each row of `table`, checking that `key(row)` is unique.
template <typename T, typename Read, typename Key>
std::vector<Sourced<T>> ReadRows(const std::shared_ptr<const CsvTable>& table,
                                 const std::string& key_column, Read read, Key key) {
  std::vector<Sourced<T>> out;
  std::set<std::string> seen;
  for (std::size_t r = 0; r < table->Rows().size(); ++r) {
    RowReader row(table, r);
    T value = read(row);
    if (!seen.insert(key(value)).second) {
      throw row.Error(key_column, "'" + key(value) + "' appears twice in this file");
    }
    out.push_back({std::move(value), row.Where()});
  }
  return out;
}

constexpr double kMaxLat = kernel::kMaxLatitude, kMaxLng = kernel::kMaxLongitude;

Region ReadRegion(const RowReader& row) {
  Region region;
  region.code = row.Code("code");
  region.name = row.Text("name", true, 200);
  region.level = row.Word("level", ParseRegionLevel, "city, district, street");
  region.parent_code = row.Code("parent_code", false);
  if (region.level == RegionLevel::kCity && !region.parent_code.empty()) {
    throw row.Error("parent_code", "a city has no parent");
  }
  if (region.level != RegionLevel::kCity && region.parent_code.empty()) {
    throw row.Error("parent_code", "required for a district or street");
  }
  if (region.parent_code == region.code)
    throw row.Error("parent_code", "a region is not its own parent");
  auto lat = row.Decimal("lat", -kMaxLat, kMaxLat, false);
  auto lng = row.Decimal("lng", -kMaxLng, kMaxLng, false);
  if (lat.has_value() != lng.has_value())
    throw row.Error(lat ? "lng" : "lat", "give both lat and lng or neither");
  if (lat) region.center = GeoPoint{*lat, *lng};
  return region;
}

Department ReadDepartment(const RowReader& row) {
  Department department;
  department.code = row.Code("code");
  department.name = row.Text("name", true, 200);
  department.region_code = row.Code("region_code");
  department.hall_name = row.Text("hall_name", false, 200);
  department.hall_address = row.Text("hall_address", true, 500);
  department.hall.lat = *row.Decimal("lat", -kMaxLat, kMaxLat, true);
  department.hall.lng = *row.Decimal("lng", -kMaxLng, kMaxLng, true);
  department.office_hours = row.Text("office_hours", true, 200);
  department.phone = row.Text("phone", false, 50);
  return department;
}

Item ReadItem(const RowReader& row) {
  Item item;
  item.code = row.Code("code");
  item.name = row.Text("name", true, 300);
  item.service_class = row.Word("service_class", ParseServiceClass, "zero_trip, one_trip, we_run");
  item.kind = row.Word("kind", ParseItemKind, "administrative, public_service");
  item.department_code = row.Code("department_code");
  item.level = row.Word("level", ParseRegionLevel, "city, district, street");
  item.committed_days = row.Int("committed_days", 0, 3650);
  item.legal_days = row.Int("legal_days", 0, 3650);
  if (item.committed_days > item.legal_days) {
    throw row.Error("committed_days", "the committed limit " + std::to_string(item.committed_days) +
                                          " exceeds the legal limit " +
                                          std::to_string(item.legal_days));
  }
  item.conditions = row.Text("conditions");
  item.modes = row.Words("modes", ParseProxyMode, "proxy, assisted, led");
  item.delivery_options =
      row.Words("delivery_options", ParseDeliveryOption, "express, window, on_the_spot");
  item.fee = row.Text("fee", true, 200);
  item.legal_basis = row.Text("legal_basis");
  item.where_to_apply = row.Text("where_to_apply", false);
  item.how_to_apply = row.Text("how_to_apply", false);
  return item;
}

MaterialRow ReadMaterial(const RowReader& row) {
  MaterialRow out;
  out.item_code = row.Code("item_code");
  out.material.seq = row.Int("seq", 1, 999);
  out.material.name = row.Text("name", true, 300);
  out.material.essential = row.YesNo("essential");
  out.material.form =
      row.Word("form", ParseMaterialForm, "original, copy, original_and_copy, electronic");
  out.material.copies = row.Int("copies", 1, 99);
  out.material.note = row.Text("note", false, 1000);
  return out;
}

Bundle ReadBundle(const RowReader& row) {
  Bundle bundle;
  bundle.code = row.Code("code");
  bundle.name = row.Text("name", true, 300);
  bundle.description = row.Text("description", false);
  bundle.committed_days = row.Int("committed_days", 0, 3650);
  bundle.lead_department_code = row.Code("lead_department_code");
  return bundle;
}

StepRow ReadStep(const RowReader& row) {
  StepRow out;
  out.bundle_code = row.Code("bundle_code");
  out.step.order = row.Int("step_order", 1, 99);
  out.step.item_code = row.Code("item_code");
  return out;
}

std::shared_ptr<const CsvTable> Table(const std::string& file, const std::string& text,
                                      const std::vector<std::string>& columns) {
  auto table = std::make_shared<const CsvTable>(CsvTable::Parse(file, text));
  table->RequireColumns(columns, false);
  return table;
}

}  // namespace

const std::vector<std::string>& CatalogueFileNames() {
  static const std::vector<std::string> kNames = {"regions.csv", "departments.csv",
                                                  "items.csv",   "materials.csv",
                                                  "bundles.csv", "bundle_steps.csv"};
  return kNames;
}

CatalogueImport ParseCatalogueFiles(const std::vector<std::pair<std::string, std::string>>& files) {
  CatalogueImport import;
  for (const auto& [name, text] : files) {
    if (name == "regions.csv") {
      import.regions = ReadRows<Region>(Table(name, text, kRegionColumns), "code", ReadRegion,
                                        [](const Region& r) { return r.code;
    });
  }
  else if (name == "departments.csv") {
      import.departments =
          ReadRows<Department>(Table(name, text, kDepartmentColumns), "code", ReadDepartment,
                               [](const Department& d) { return d.code;
  });
}
else if (name == "items.csv") {
      import.items = ReadRows<Item>(Table(name, text, kItemColumns), "code", ReadItem,
                                    [](const Item& i) { return i.code;
});
}  // namespace daiban::catalogue
else if (name == "materials.csv") {
      import.materials = ReadRows<MaterialRow>(
          Table(name, text, kMaterialColumns), "seq", ReadMaterial,
          [](const MaterialRow& m) { return m.item_code + "#" + std::to_string(m.material.seq);
});
}
else if (name == "bundles.csv") {
      import.bundles = ReadRows<Bundle>(Table(name, text, kBundleColumns), "code", ReadBundle,
                                        [](const Bundle& b) { return b.code;
});
}
else if (name == "bundle_steps.csv") {
      import.bundle_steps = ReadRows<StepRow>(
          Table(name, text, kStepColumns), "item_code", ReadStep,
          [](const StepRow& s) { return s.bundle_code + "#" + s.step.item_code;
});
}
else {
  throw CsvError(name, 0, 0,
                 "not a catalogue file (expected one of regions.csv, "
                 "departments.csv, items.csv, materials.csv, bundles.csv, "
                 "bundle_steps.csv)");
}
}
return import;
}

void CheckReferences(const CatalogueImport& import, const KnownCodes& known) {
  auto codes = [](const std::vector<std::string>& existing, const auto& imported, auto key) {
    std::set<std::string> all(existing.begin(), existing.end());
    if (imported) {
      for (const auto& row : *imported) all.insert(key(row.value));
    }
    return all;
  };
  std::map<std::string, RegionLevel> region_levels = known.regions;
  if (import.regions) {
    for (const auto& row : *import.regions) region_levels[row.value.code] = row.value.level;
  }
  std::set<std::string> regions;
  for (const auto& [code, level] : region_levels) regions.insert(code);
  auto departments =
      codes(known.departments, import.departments, [](const Department& d) { return d.code; });
  auto items = codes(known.items, import.items, [](const Item& i) { return i.code; });
  auto bundles = codes(known.bundles, import.bundles, [](const Bundle& b) { return b.code; });
  auto require = [](const std::set<std::string>& set, const std::string& code, const Origin& origin,
                    const std::string& column, const std::string& what) {
    if (!set.count(code)) throw origin.ErrorAt(column, "unknown " + what + " '" + code + "'");
  };
  if (import.regions) {
    for (const auto& [region, origin] : *import.regions) {
      if (region.parent_code.empty()) continue;
      require(regions, region.parent_code, origin, "parent_code", "region");
      RegionLevel parent = region_levels.at(region.parent_code);
      bool one_up = (region.level == RegionLevel::kDistrict && parent == RegionLevel::kCity) ||
                    (region.level == RegionLevel::kStreet && parent == RegionLevel::kDistrict);
      if (!one_up) {
        throw origin.ErrorAt("parent_code",
                             "a " + ToWord(region.level) + " cannot belong to a " + ToWord(parent));
      }
    }
  }
  if (import.departments) {
    for (const auto& [department, origin] : *import.departments) {
      require(regions, department.region_code, origin, "region_code", "region");
    }
  }
  if (import.items) {
    for (const auto& [item, origin] : *import.items) {
      require(departments, item.department_code, origin, "department_code", "department");
    }
  }
  if (import.materials) {
    for (const auto& [row, origin] : *import.materials) {
      require(items, row.item_code, origin, "item_code", "item");
    }
  }
  if (import.bundles) {
    for (const auto& [bundle, origin] : *import.bundles) {
      require(departments, bundle.lead_department_code, origin, "lead_department_code",
              "department");
    }
  }
  if (import.bundle_steps) {
    for (const auto& [row, origin] : *import.bundle_steps) {
      require(bundles, row.bundle_code, origin, "bundle_code", "bundle");
      require(items, row.step.item_code, origin, "item_code", "item");
    }
  }
}

}  // namespace daiban::catalogue
