// RFC 3339 date-times and ISO dates as requests carry them (X-Device-Time, location fixes,
// Open311 start_date/end_date, deadlines). Properties: a parsed moment written in China time
// reads back as the same moment (within the accepted range; outside it, writing still never
// throws); a parsed date is written exactly as it was read.
#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/input.hpp"
#include "fuzz_target.hpp"

namespace cases = daiban::cases;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = daiban::fuzz::Text(data, size);
  if (auto moment = cases::ParseRfc3339(text)) {
    // Writing is total (a moment beyond a four-digit year is clamped, never thrown); within the
    // range the system accepts, what is written reads back as the same moment.
    const std::string written = cases::FormatRfc3339China(*moment);
    if (daiban::kernel::IsInputTimeInRange(*moment)) {
      FUZZ_CHECK(cases::ParseRfc3339(written) == moment);
    }
  }
  if (auto date = cases::ParseIsoDate(text)) {
    FUZZ_CHECK(cases::FormatIsoDate(*date) == text);
    FUZZ_CHECK(cases::ChinaDateOf(cases::FromChinaLocal(*date, std::chrono::seconds{0})) == *date);
  }
  return 0;
}
