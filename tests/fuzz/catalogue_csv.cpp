// A catalogue import as an administrator uploads it: up to six CSV files, separated in the input
// by form feeds and named in CatalogueFileNames() order (an empty part is a file not sent), read
// by the kernel's CSV table, checked, then their references checked. Only CsvError may escape.
#include <string>
#include <utility>
#include <vector>

#include "daiban/catalogue/catalogue.hpp"
#include "daiban/kernel/csv.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = daiban::fuzz::Text(data, size);
  const auto& names = daiban::catalogue::CatalogueFileNames();
  std::vector<std::pair<std::string, std::string>> files;
  std::size_t start = 0;
  for (std::size_t i = 0; i < names.size() && start <= input.size(); ++i) {
    std::size_t end = input.find('\f', start);
    if (end == std::string_view::npos || i + 1 == names.size()) end = input.size();
    if (end > start) files.emplace_back(names[i], input.substr(start, end - start));
    start = end + 1;
  }
  try {
    auto import = daiban::catalogue::ParseCatalogueFiles(files);
    daiban::catalogue::CheckReferences(import, {});
  } catch (const daiban::kernel::CsvError&) {
  }
  return 0;
}
