#include "daiban/catalogue/catalogue.hpp"

#include <array>
#include <utility>

namespace daiban::catalogue {

namespace {

// One table per enum: the word in files and the API, and the label people read.
template <typename Enum, std::size_t N>
using Words = std::array<std::pair<Enum, const char*>, N>;

constexpr Words<RegionLevel, 3> kRegionLevels{{{RegionLevel::kCity, "city"},
                                               {RegionLevel::kDistrict, "district"},
                                               {RegionLevel::kStreet, "street"}}};
constexpr Words<ServiceClass, 3> kServiceClasses{{{ServiceClass::kZeroTrip, "zero_trip"},
                                                  {ServiceClass::kOneTrip, "one_trip"},
                                                  {ServiceClass::kWeRun, "we_run"}}};
constexpr Words<ServiceClass, 3> kServiceClassLabels{{{ServiceClass::kZeroTrip, "零跑腿"},
                                                      {ServiceClass::kOneTrip, "只跑一次"},
                                                      {ServiceClass::kWeRun, "你不用跑我来跑"}}};
constexpr Words<ItemKind, 2> kItemKinds{
    {{ItemKind::kAdministrative, "administrative"}, {ItemKind::kPublicService, "public_service"}}};
constexpr Words<ItemKind, 2> kItemKindLabels{
    {{ItemKind::kAdministrative, "行政权力"}, {ItemKind::kPublicService, "公共服务"}}};
constexpr Words<ProxyMode, 3> kProxyModes{
    {{ProxyMode::kProxy, "proxy"}, {ProxyMode::kAssisted, "assisted"}, {ProxyMode::kLed, "led"}}};
constexpr Words<ProxyMode, 3> kProxyModeLabels{
    {{ProxyMode::kProxy, "代办"}, {ProxyMode::kAssisted, "帮办"}, {ProxyMode::kLed, "领办"}}};
constexpr Words<DeliveryOption, 3> kDeliveryOptions{{{DeliveryOption::kExpress, "express"},
                                                     {DeliveryOption::kWindow, "window"},
                                                     {DeliveryOption::kOnTheSpot, "on_the_spot"}}};
constexpr Words<DeliveryOption, 3> kDeliveryOptionLabels{
    {{DeliveryOption::kExpress, "免费寄递"},
     {DeliveryOption::kWindow, "窗口领取"},
     {DeliveryOption::kOnTheSpot, "当场办结"}}};
constexpr Words<MaterialForm, 4> kMaterialForms{
    {{MaterialForm::kOriginal, "original"},
     {MaterialForm::kCopy, "copy"},
     {MaterialForm::kOriginalAndCopy, "original_and_copy"},
     {MaterialForm::kElectronic, "electronic"}}};

template <typename Enum, std::size_t N>
std::string Find(const Words<Enum, N>& words, Enum value) {
  for (const auto& [candidate, word] : words) {
    if (candidate == value) return word;
  }
  return {};
}

template <typename Enum, std::size_t N>
std::optional<Enum> Parse(const Words<Enum, N>& words, std::string_view text) {
  for (const auto& [candidate, word] : words) {
    if (text == word) return candidate;
  }
  return std::nullopt;
}

}  // namespace

std::string ToWord(RegionLevel value) { return Find(kRegionLevels, value); }
std::string ToWord(ServiceClass value) { return Find(kServiceClasses, value); }
std::string ToWord(ItemKind value) { return Find(kItemKinds, value); }
std::string ToWord(ProxyMode value) { return Find(kProxyModes, value); }
std::string ToWord(DeliveryOption value) { return Find(kDeliveryOptions, value); }
std::string ToWord(MaterialForm value) { return Find(kMaterialForms, value); }
std::optional<RegionLevel> ParseRegionLevel(std::string_view w) { return Parse(kRegionLevels, w); }
std::optional<ServiceClass> ParseServiceClass(std::string_view w) {
  return Parse(kServiceClasses, w);
}
std::optional<ItemKind> ParseItemKind(std::string_view w) { return Parse(kItemKinds, w); }
std::optional<ProxyMode> ParseProxyMode(std::string_view w) { return Parse(kProxyModes, w); }
std::optional<DeliveryOption> ParseDeliveryOption(std::string_view w) {
  return Parse(kDeliveryOptions, w);
}
std::optional<MaterialForm> ParseMaterialForm(std::string_view w) {
  return Parse(kMaterialForms, w);
}
std::string Label(ServiceClass value) { return Find(kServiceClassLabels, value); }
std::string Label(ItemKind value) { return Find(kItemKindLabels, value); }
std::string Label(ProxyMode value) { return Find(kProxyModeLabels, value); }
std::string Label(DeliveryOption value) { return Find(kDeliveryOptionLabels, value); }

kernel::CsvError Origin::ErrorAt(const std::string& column, const std::string& message) const {
  return table->ErrorAt(table->Rows()[row], column, message);
}

}  // namespace daiban::catalogue
