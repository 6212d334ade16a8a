#include "daiban/catalogue/pg/pg_catalogue_store.hpp"

#include <algorithm>
#include <chrono>
#include <pqxx/pqxx>

#include "daiban/db/array_literal.hpp"

namespace daiban::catalogue {

namespace {

// Named statements, next to the code that runs them.
constexpr const char* kRegions = "catalogue_regions";
constexpr const char* kRegionsSql =
    "SELECT code, name, level, coalesce(parent_code, ''), center_lat, center_lng "
    "FROM regions ORDER BY code";

constexpr const char* kDepartments = "catalogue_departments";
constexpr const char* kDepartmentsSql =
    "SELECT code, name, region_code, hall_name, hall_address, hall_lat, hall_lng, office_hours, "
    "phone FROM departments ORDER BY code";

constexpr const char* kDepartment = "catalogue_department";
const std::string kDepartmentSql =
    "SELECT code, name, region_code, hall_name, hall_address, hall_lat, hall_lng, office_hours, "
    "phone FROM departments WHERE code = $1";

constexpr const char* kRegionExists = "catalogue_region_exists";
constexpr const char* kRegionExistsSql = "SELECT 1 FROM regions WHERE code = $1";
constexpr const char* kDepartmentExists = "catalogue_department_exists";
constexpr const char* kDepartmentExistsSql = "SELECT 1 FROM departments WHERE code = $1";

constexpr const char* kItemColumns =
    "i.code, i.name, i.service_class, i.kind, i.department_code, i.level, i.committed_days, "
    "i.legal_days, i.conditions, array_to_string(i.modes, '|'), "
    "array_to_string(i.delivery_options, '|'), i.fee, i.legal_basis, i.where_to_apply, "
    "i.how_to_apply, i.retired_at IS NOT NULL";

// $1 class, $2 department, $3 region, $4 mode, $5 LIKE pattern, $6 after code, $7 limit;
// an empty string switches its condition off.
constexpr const char* kItems = "catalogue_items";
const std::string kItemsSql = std::string(R"sql(
WITH RECURSIVE above (code, parent_code) AS (
    SELECT code, parent_code FROM regions WHERE code = $3
  UNION ALL
    SELECT r.code, r.parent_code FROM regions r JOIN above a ON r.code = a.parent_code
)
SELECT )sql") + kItemColumns + R"sql(
  FROM items i JOIN departments d ON d.code = i.department_code
 WHERE i.retired_at IS NULL
   AND ($1 = '' OR i.service_class = $1)
   AND ($2 = '' OR i.department_code = $2)
   AND ($3 = '' OR d.region_code IN (SELECT code FROM above UNION SELECT region_subtree($3)))
   AND ($4 = '' OR $4 = ANY (i.modes))
   AND ($5 = '' OR i.name LIKE $5 ESCAPE '\')
   AND i.code > $6
 ORDER BY i.code
 LIMIT $7)sql";

constexpr const char* kItem = "catalogue_item";
const std::string kItemSql =
    std::string("SELECT ") + kItemColumns + " FROM items i WHERE i.code = $1";

// $1 a text[] of codes. The department's columns follow the item's, as DepartmentFromRow reads
// them from column 16 on.
constexpr const char* kItemsWithDepartments = "catalogue_items_with_departments";
const std::string kItemsWithDepartmentsSql =
    std::string("SELECT ") + kItemColumns +
    ", d.code, d.name, d.region_code, d.hall_name, d.hall_address, d.hall_lat, d.hall_lng, "
    "d.office_hours, d.phone FROM items i JOIN departments d ON d.code = i.department_code "
    "WHERE i.code = ANY ($1::text[])";

constexpr const char* kMaterials = "catalogue_materials";
constexpr const char* kMaterialsSql =
    "SELECT seq, name, essential, form, copies, note FROM materials WHERE item_code = $1 "
    "ORDER BY seq";

constexpr const char* kBundleColumns =
    "b.code, b.name, b.description, b.committed_days, b.lead_department_code, "
    "b.retired_at IS NOT NULL";
constexpr const char* kBundles = "catalogue_bundles";
const std::string kBundlesSql = std::string("SELECT ") + kBundleColumns +
                                " FROM bundles b WHERE b.retired_at IS NULL ORDER BY b.code";
constexpr const char* kBundle = "catalogue_bundle";
const std::string kBundleSql =
    std::string("SELECT ") + kBundleColumns + " FROM bundles b WHERE b.code = $1";
constexpr const char* kSteps = "catalogue_bundle_steps";
constexpr const char* kStepsSql =
    "SELECT s.step_order, s.item_code, i.name, i.department_code, i.committed_days "
    "FROM bundle_steps s JOIN items i ON i.code = s.item_code WHERE s.bundle_code = $1 "
    "ORDER BY s.step_order, s.item_code";

constexpr const char* kUpsertRegion = "catalogue_upsert_region";
constexpr const char* kUpsertRegionSql = R"sql(
INSERT INTO regions (code, name, level, parent_code, center_lat, center_lng)
VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
  parent_code = EXCLUDED.parent_code, center_lat = EXCLUDED.center_lat,
  center_lng = EXCLUDED.center_lng)sql";

constexpr const char* kUpsertDepartment = "catalogue_upsert_department";
constexpr const char* kUpsertDepartmentSql = R"sql(
INSERT INTO departments (code, name, region_code, hall_name, hall_address, hall_lat, hall_lng,
                         office_hours, phone)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code,
  hall_name = EXCLUDED.hall_name, hall_address = EXCLUDED.hall_address,
  hall_lat = EXCLUDED.hall_lat, hall_lng = EXCLUDED.hall_lng,
  office_hours = EXCLUDED.office_hours, phone = EXCLUDED.phone)sql";

constexpr const char* kUpsertItem = "catalogue_upsert_item";
constexpr const char* kUpsertItemSql = R"sql(
INSERT INTO items (code, name, service_class, kind, department_code, level, committed_days,
                   legal_days, conditions, modes, delivery_options, fee, legal_basis,
                   where_to_apply, how_to_apply, retired_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, string_to_array($10, '|'),
        string_to_array($11, '|'), $12, $13, $14, $15, NULL, to_timestamp($16))
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, service_class = EXCLUDED.service_class,
  kind = EXCLUDED.kind, department_code = EXCLUDED.department_code, level = EXCLUDED.level,
  committed_days = EXCLUDED.committed_days, legal_days = EXCLUDED.legal_days,
  conditions = EXCLUDED.conditions, modes = EXCLUDED.modes,
  delivery_options = EXCLUDED.delivery_options, fee = EXCLUDED.fee,
  legal_basis = EXCLUDED.legal_basis, where_to_apply = EXCLUDED.where_to_apply,
  how_to_apply = EXCLUDED.how_to_apply, retired_at = NULL, updated_at = EXCLUDED.updated_at)sql";

constexpr const char* kRetireItems = "catalogue_retire_items";
constexpr const char* kRetireItemsSql =
    "UPDATE items SET retired_at = to_timestamp($2), updated_at = to_timestamp($2) "
    "WHERE retired_at IS NULL AND NOT (code = ANY (string_to_array($1, '|')))";

constexpr const char* kDeleteMaterials = "catalogue_delete_materials";
constexpr const char* kDeleteMaterialsSql = "DELETE FROM materials WHERE item_code = $1";
constexpr const char* kInsertMaterial = "catalogue_insert_material";
constexpr const char* kInsertMaterialSql =
    "INSERT INTO materials (item_code, seq, name, essential, form, copies, note) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";

constexpr const char* kUpsertBundle = "catalogue_upsert_bundle";
constexpr const char* kUpsertBundleSql = R"sql(
INSERT INTO bundles (code, name, description, committed_days, lead_department_code, retired_at,
                     updated_at)
VALUES ($1, $2, $3, $4, $5, NULL, to_timestamp($6))
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
  committed_days = EXCLUDED.committed_days,
  lead_department_code = EXCLUDED.lead_department_code, retired_at = NULL,
  updated_at = EXCLUDED.updated_at)sql";

constexpr const char* kRetireBundles = "catalogue_retire_bundles";
constexpr const char* kRetireBundlesSql =
    "UPDATE bundles SET retired_at = to_timestamp($2), updated_at = to_timestamp($2) "
    "WHERE retired_at IS NULL AND NOT (code = ANY (string_to_array($1, '|')))";

constexpr const char* kDeleteSteps = "catalogue_delete_steps";
constexpr const char* kDeleteStepsSql = "DELETE FROM bundle_steps WHERE bundle_code = $1";
constexpr const char* kInsertStep = "catalogue_insert_step";
constexpr const char* kInsertStepSql =
    "INSERT INTO bundle_steps (bundle_code, step_order, item_code) VALUES ($1, $2, $3)";

constexpr const char* kKnownCodesSql = R"sql(
SELECT 'region', code, level FROM regions
UNION ALL SELECT 'department', code, '' FROM departments
UNION ALL SELECT 'item', code, '' FROM items
UNION ALL SELECT 'bundle', code, '' FROM bundles)sql";

// Escapes LIKE's wildcards so a search for "100%" finds that text.
std::string ContainsPattern(const std::string& text) {
  if (text.empty()) return {};
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

template <typename Parse>
auto SplitWords(const std::string& joined, Parse parse) {
  std::vector<std::decay_t<decltype(*parse(""))>> out;
  std::size_t start = 0;
  while (start < joined.size()) {
    std::size_t bar = joined.find('|', start);
    if (bar == std::string::npos) bar = joined.size();
    if (auto value = parse(joined.substr(start, bar - start))) out.push_back(*value);
    start = bar + 1;
  }
  return out;
}

template <typename T, typename ToWordFn>
std::string JoinWords(const std::vector<T>& values, ToWordFn to_word) {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : "|") + to_word(value);
  return out;
}

Item ItemFromRow(const pqxx::row& row) {
  Item item;
  item.code = row[0].as<std::string>();
  item.name = row[1].as<std::string>();
  item.service_class = *ParseServiceClass(row[2].as<std::string>());
  item.kind = *ParseItemKind(row[3].as<std::string>());
  item.department_code = row[4].as<std::string>();
  item.level = *ParseRegionLevel(row[5].as<std::string>());
  item.committed_days = row[6].as<int>();
  item.legal_days = row[7].as<int>();
  item.conditions = row[8].as<std::string>();
  item.modes = SplitWords(row[9].as<std::string>(), ParseProxyMode);
  item.delivery_options = SplitWords(row[10].as<std::string>(), ParseDeliveryOption);
  item.fee = row[11].as<std::string>();
  item.legal_basis = row[12].as<std::string>();
  item.where_to_apply = row[13].as<std::string>();
  item.how_to_apply = row[14].as<std::string>();
  item.retired = row[15].as<bool>();
  return item;
}

Bundle BundleFromRow(const pqxx::row& row) {
  Bundle bundle;
  bundle.code = row[0].as<std::string>();
  bundle.name = row[1].as<std::string>();
  bundle.description = row[2].as<std::string>();
  bundle.committed_days = row[3].as<int>();
  bundle.lead_department_code = row[4].as<std::string>();
  bundle.retired = row[5].as<bool>();
  return bundle;
}

std::vector<BundleStep> StepsOf(pqxx::transaction_base& tx, const std::string& code) {
  std::vector<BundleStep> steps;
  for (const auto& row : tx.exec_prepared(kSteps, code)) {
    steps.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<int>()});
  }
  return steps;
}

int LevelRank(RegionLevel level) { return static_cast<int>(level); }

// `from` is the department's first column: 0 alone, after the item's columns in a join.
Department DepartmentFromRow(const pqxx::row& row, pqxx::row::size_type from = 0) {
  Department d;
  d.code = row[from + 0].as<std::string>();
  d.name = row[from + 1].as<std::string>();
  d.region_code = row[from + 2].as<std::string>();
  d.hall_name = row[from + 3].as<std::string>();
  d.hall_address = row[from + 4].as<std::string>();
  d.hall = GeoPoint{row[from + 5].as<double>(), row[from + 6].as<double>()};
  d.office_hours = row[from + 7].as<std::string>();
  d.phone = row[from + 8].as<std::string>();
  return d;
}

constexpr pqxx::row::size_type kItemColumnCount = 16;

}  // namespace

PgCatalogueStore::PgCatalogueStore(db::PgPool& pool) : pool_(pool) {
  const std::pair<const char*, std::string> statements[] = {
      {kRegions, kRegionsSql},
      {kDepartments, kDepartmentsSql},
      {kDepartment, kDepartmentSql},
      {kRegionExists, kRegionExistsSql},
      {kDepartmentExists, kDepartmentExistsSql},
      {kItems, kItemsSql},
      {kItem, kItemSql},
      {kItemsWithDepartments, kItemsWithDepartmentsSql},
      {kMaterials, kMaterialsSql},
      {kBundles, kBundlesSql},
      {kBundle, kBundleSql},
      {kSteps, kStepsSql},
      {kUpsertRegion, kUpsertRegionSql},
      {kUpsertDepartment, kUpsertDepartmentSql},
      {kUpsertItem, kUpsertItemSql},
      {kRetireItems, kRetireItemsSql},
      {kDeleteMaterials, kDeleteMaterialsSql},
      {kInsertMaterial, kInsertMaterialSql},
      {kUpsertBundle, kUpsertBundleSql},
      {kRetireBundles, kRetireBundlesSql},
      {kDeleteSteps, kDeleteStepsSql},
      {kInsertStep, kInsertStepSql}};
  for (const auto& [name, sql] : statements) pool_.Prepare(name, sql);
}

void PgCatalogueStore::Import(const CatalogueImport& import,
                              const std::function<void(const KnownCodes&)>& check,
                              kernel::Instant now) {
  const double at = db::EpochSeconds(now);
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    // Serialises imports: two at once would each retire what the other adds.
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('catalogue_import'))");
    KnownCodes known;
    for (const auto& row : tx.exec(kKnownCodesSql)) {
      std::string table = row[0].as<std::string>();
      std::string code = row[1].as<std::string>();
      if (table == "region") {
        known.regions[code] = *ParseRegionLevel(row[2].as<std::string>());
      } else if (table == "department") {
        known.departments.push_back(code);
      } else if (table == "item") {
        known.items.push_back(code);
      } else {
        known.bundles.push_back(code);
      }
    }
    check(known);

    if (import.regions) {
      // Parents before children: the city, then districts, then streets.
      auto regions = *import.regions;
      std::stable_sort(regions.begin(), regions.end(), [](const auto& a, const auto& b) {
        return LevelRank(a.value.level) < LevelRank(b.value.level);
      });
      for (const auto& [region, origin] : regions) {
        std::optional<double> lat, lng;
        if (region.center) {
          lat = region.center->lat;
          lng = region.center->lng;
        }
        tx.exec_prepared(kUpsertRegion, region.code, region.name, ToWord(region.level),
                         region.parent_code, lat, lng);
      }
    }
    if (import.departments) {
      for (const auto& [d, origin] : *import.departments) {
        tx.exec_prepared(kUpsertDepartment, d.code, d.name, d.region_code, d.hall_name,
                         d.hall_address, d.hall.lat, d.hall.lng, d.office_hours, d.phone);
      }
    }
    if (import.items) {
      std::string codes;
      for (const auto& [item, origin] : *import.items) {
        tx.exec_prepared(
            kUpsertItem, item.code, item.name, ToWord(item.service_class), ToWord(item.kind),
            item.department_code, ToWord(item.level), item.committed_days, item.legal_days,
            item.conditions, JoinWords(item.modes, [](ProxyMode m) { return ToWord(m); }),
            JoinWords(item.delivery_options, [](DeliveryOption o) { return ToWord(o); }), item.fee,
            item.legal_basis, item.where_to_apply, item.how_to_apply, at);
        codes += (codes.empty() ? "" : "|") + item.code;
      }
      tx.exec_prepared(kRetireItems, codes, at);
    }
    if (import.materials) {
      std::vector<std::string> cleared;
      for (const auto& [row, origin] : *import.materials) {
        if (std::find(cleared.begin(), cleared.end(), row.item_code) == cleared.end()) {
          tx.exec_prepared(kDeleteMaterials, row.item_code);
          cleared.push_back(row.item_code);
        }
        const Material& m = row.material;
        tx.exec_prepared(kInsertMaterial, row.item_code, m.seq, m.name, m.essential, ToWord(m.form),
                         m.copies, m.note);
      }
    }
    if (import.bundles) {
      std::string codes;
      for (const auto& [b, origin] : *import.bundles) {
        tx.exec_prepared(kUpsertBundle, b.code, b.name, b.description, b.committed_days,
                         b.lead_department_code, at);
        codes += (codes.empty() ? "" : "|") + b.code;
      }
      tx.exec_prepared(kRetireBundles, codes, at);
    }
    if (import.bundle_steps) {
      std::vector<std::string> cleared;
      for (const auto& [row, origin] : *import.bundle_steps) {
        if (std::find(cleared.begin(), cleared.end(), row.bundle_code) == cleared.end()) {
          tx.exec_prepared(kDeleteSteps, row.bundle_code);
          cleared.push_back(row.bundle_code);
        }
        tx.exec_prepared(kInsertStep, row.bundle_code, row.step.order, row.step.item_code);
      }
    }
  });
}

std::vector<Region> PgCatalogueStore::Regions() {
  std::vector<Region> regions;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kRegions)) {
      Region region;
      region.code = row[0].as<std::string>();
      region.name = row[1].as<std::string>();
      region.level = *ParseRegionLevel(row[2].as<std::string>());
      region.parent_code = row[3].as<std::string>();
      if (!row[4].is_null() && !row[5].is_null()) {
        region.center = GeoPoint{row[4].as<double>(), row[5].as<double>()};
      }
      regions.push_back(std::move(region));
    }
  });
  return regions;
}

std::vector<Department> PgCatalogueStore::Departments() {
  std::vector<Department> departments;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kDepartments)) {
      departments.push_back(DepartmentFromRow(row));
    }
  });
  return departments;
}

std::optional<Department> PgCatalogueStore::FindDepartment(const std::string& code) {
  std::optional<Department> department;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(kDepartment, code);
    if (!rows.empty()) department = DepartmentFromRow(rows[0]);
  });
  return department;
}

bool PgCatalogueStore::RegionExists(const std::string& code) {
  bool found = false;
  pool_.Read(
      [&](pqxx::transaction_base& tx) { found = !tx.exec_prepared(kRegionExists, code).empty(); });
  return found;
}

bool PgCatalogueStore::DepartmentExists(const std::string& code) {
  bool found = false;
  pool_.Read([&](pqxx::transaction_base& tx) {
    found = !tx.exec_prepared(kDepartmentExists, code).empty();
  });
  return found;
}

std::vector<Item> PgCatalogueStore::Items(const ItemFilter& filter) {
  std::vector<Item> items;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(
        kItems, filter.service_class ? ToWord(*filter.service_class) : std::string(),
        filter.department_code, filter.region_code,
        filter.mode ? ToWord(*filter.mode) : std::string(), ContainsPattern(filter.name_contains),
        filter.after_code, filter.limit);
    for (const auto& row : rows) items.push_back(ItemFromRow(row));
  });
  return items;
}

std::optional<Item> PgCatalogueStore::FindItem(const std::string& code) {
  std::optional<Item> item;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(kItem, code);
    if (rows.empty()) return;
    item = ItemFromRow(rows[0]);
    for (const auto& row : tx.exec_prepared(kMaterials, code)) {
      Material m;
      m.seq = row[0].as<int>();
      m.name = row[1].as<std::string>();
      m.essential = row[2].as<bool>();
      m.form = *ParseMaterialForm(row[3].as<std::string>());
      m.copies = row[4].as<int>();
      m.note = row[5].as<std::string>();
      item->materials.push_back(std::move(m));
    }
  });
  return item;
}

std::vector<std::pair<Item, Department>> PgCatalogueStore::ItemsWithDepartments(
    const std::vector<std::string>& codes) {
  std::vector<std::pair<Item, Department>> found;
  if (codes.empty()) return found;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kItemsWithDepartments, db::ArrayOf(codes))) {
      found.emplace_back(ItemFromRow(row), DepartmentFromRow(row, kItemColumnCount));
    }
  });
  return found;
}

std::vector<Bundle> PgCatalogueStore::Bundles() {
  std::vector<Bundle> bundles;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kBundles)) bundles.push_back(BundleFromRow(row));
    for (auto& bundle : bundles) bundle.steps = StepsOf(tx, bundle.code);
  });
  return bundles;
}

std::optional<Bundle> PgCatalogueStore::FindBundle(const std::string& code) {
  std::optional<Bundle> bundle;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(kBundle, code);
    if (rows.empty()) return;
    bundle = BundleFromRow(rows[0]);
    bundle->steps = StepsOf(tx, code);
  });
  return bundle;
}

}  // namespace daiban::catalogue
