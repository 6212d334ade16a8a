#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/vocabulary.hpp"

// The published catalogue (事项目录 and 服务指南): regions, departments, items with their
// materials, and bundles. Plain data and the rules a catalogue row must keep; no I/O.
namespace daiban::catalogue {

using kernel::GeoPoint;

enum class RegionLevel { kCity, kDistrict, kStreet };

struct Region {
  std::string code;  // national division code (370102), or a letter code for functional zones
  std::string name;
  RegionLevel level = RegionLevel::kCity;
  std::string parent_code;  // empty for the city
  std::optional<GeoPoint> center;
};

struct Department {
  std::string code;
  std::string name;
  std::string region_code;
  std::string hall_name;
  std::string hall_address;
  GeoPoint hall;
  std::string office_hours;
  std::string phone;
};

enum class ServiceClass { kZeroTrip, kOneTrip, kWeRun };  // 零跑腿 / 只跑一次 / 你不用跑我来跑
enum class ItemKind { kAdministrative, kPublicService };      // 行政权力 / 公共服务
enum class ProxyMode { kProxy, kAssisted, kLed };             // 代办 / 帮办 / 领办
enum class DeliveryOption { kExpress, kWindow, kOnTheSpot };  // 寄递 / 窗口领取 / 当场办结
enum class MaterialForm { kOriginal, kCopy, kOriginalAndCopy, kElectronic };

struct Material {
  int seq = 0;
  std::string name;
  bool essential = true;  // a non-essential one may be missing at acceptance (容缺受理)
  MaterialForm form = MaterialForm::kOriginal;
  int copies = 1;
  std::string note;
};

struct Item {
  std::string code;
  std::string name;
  ServiceClass service_class = ServiceClass::kWeRun;
  ItemKind kind = ItemKind::kAdministrative;
  std::string department_code;
  RegionLevel level = RegionLevel::kCity;
  int committed_days = 0;  // 承诺时限, working days
  int legal_days = 0;      // 法定时限, working days
  std::string conditions;
  std::vector<ProxyMode> modes;
  std::vector<DeliveryOption> delivery_options;
  std::string fee;
  std::string legal_basis;
  std::string where_to_apply;
  std::string how_to_apply;
  std::vector<Material> materials;
  bool retired = false;  // no longer offered; kept because cases may refer to it
};

struct BundleStep {
  int order = 1;  // steps with the same order run in parallel
  std::string item_code;
  // Read from the step's item when a bundle is loaded: each step runs at its item's
  // department, within the item's committed limit.
  std::string item_name;
  std::string department_code;
  int committed_days = 0;
};

struct Bundle {
  std::string code;
  std::string name;
  std::string description;
  int committed_days = 0;
  std::string lead_department_code;
  std::vector<BundleStep> steps;
  bool retired = false;
};

// The words used for these values in files and in the API.
std::string ToWord(RegionLevel value);
std::string ToWord(ServiceClass value);
std::string ToWord(ItemKind value);
std::string ToWord(ProxyMode value);
std::string ToWord(DeliveryOption value);
std::string ToWord(MaterialForm value);
std::optional<RegionLevel> ParseRegionLevel(std::string_view word);
std::optional<ServiceClass> ParseServiceClass(std::string_view word);
std::optional<ItemKind> ParseItemKind(std::string_view word);
std::optional<ProxyMode> ParseProxyMode(std::string_view word);
std::optional<DeliveryOption> ParseDeliveryOption(std::string_view word);
std::optional<MaterialForm> ParseMaterialForm(std::string_view word);
// The Chinese terms shown to people.
std::string Label(ServiceClass value);
std::string Label(ItemKind value);
std::string Label(ProxyMode value);
std::string Label(DeliveryOption value);

// Where a row came from, so a problem found later (an unknown code) is reported at the file,
// line and column a person has to fix.
struct Origin {
  std::shared_ptr<const kernel::CsvTable> table;
  std::size_t row = 0;
  kernel::CsvError ErrorAt(const std::string& column, const std::string& message) const;
};

template <typename T>
struct Sourced {
  T value;
  Origin origin;
};

struct MaterialRow {
  std::string item_code;
  Material material;
};

struct StepRow {
  std::string bundle_code;
  BundleStep step;
};

// A set of catalogue files read as one import. A table is absent when its file was not in the
// import: nothing of that table changes then. Materials and steps come as rows: an item (or
// bundle) named in them gets exactly those rows, replacing what it had.
struct CatalogueImport {
  std::optional<std::vector<Sourced<Region>>> regions;
  std::optional<std::vector<Sourced<Department>>> departments;
  std::optional<std::vector<Sourced<Item>>> items;  // their `materials` stay empty here
  std::optional<std::vector<Sourced<MaterialRow>>> materials;
  std::optional<std::vector<Sourced<Bundle>>> bundles;  // their `steps` stay empty here
  std::optional<std::vector<Sourced<StepRow>>> bundle_steps;
};

// The file names of an import directory, in the order they are read.
const std::vector<std::string>& CatalogueFileNames();

// Parses the files of an import (file name → UTF-8 text; names from CatalogueFileNames(),
// others are refused). Checks every value's type, range and word, unique codes, committed ≤
// legal limit, and references between the files of the import that must exist there (a
// material's item and a step's bundle). Throws kernel::CsvError naming file, line, column.
CatalogueImport ParseCatalogueFiles(const std::vector<std::pair<std::string, std::string>>& files);

// Codes already in the database, for resolving references the import does not carry itself.
struct KnownCodes {
  std::map<std::string, RegionLevel> regions{};
  std::vector<std::string> departments{};
  std::vector<std::string> items{};
  std::vector<std::string> bundles{};
};

// Checks every reference (region parent, department region, item department, material item,
// bundle lead department, step item) against the import and `known`, and that a region's
// parent is one level up (city > district > street); throws kernel::CsvError at the first
// problem.
void CheckReferences(const CatalogueImport& import, const KnownCodes& known);

}  // namespace daiban::catalogue
