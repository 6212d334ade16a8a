// RFC 3339 date-times and ISO dates as requests carry them (X-Device-Time, location fixes,
// Open311 start_date/end_date, deadlines). Properties: a parsed moment written in China time
// reads back as the same moment; a parsed date is written exactly as it was read.
#include <stdexcept>

#include "daiban/cases/china_time.hpp"
#include "fuzz_target.hpp"

namespace cases = daiban::cases;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = daiban::fuzz::Text(data, size);
  if (auto moment = cases::ParseRfc3339(text)) {
    try {
      FUZZ_CHECK(cases::ParseRfc3339(cases::FormatRfc3339China(*moment)) == moment);
    } catch (const std::out_of_range&) {
      // A moment whose China date falls outside years 0000-9999 has no four-digit spelling.
    }
  }
  if (auto date = cases::ParseIsoDate(text)) {
    FUZZ_CHECK(cases::FormatIsoDate(*date) == text);
    FUZZ_CHECK(cases::ChinaDateOf(cases::FromChinaLocal(*date, std::chrono::seconds{0})) == *date);
  }
  return 0;
}
