// What applicants type as identifiers: tracking numbers and access codes (normalised, then
// checked), resident identity numbers and social credit codes. Properties: normalising twice
// changes nothing, a well-formed tracking number is what TrackingNumberFromRandom spells for
// its own bits, and what it spells from any bits is well-formed.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "daiban/cases/applicant_rules.hpp"
#include "daiban/cases/tracking_number.hpp"
#include "daiban/kernel/mask.hpp"
#include "daiban/kernel/text.hpp"
#include "fuzz_target.hpp"

namespace cases = daiban::cases;

namespace {

// The 50 data bits of a well-formed tracking number ("DB" + 10 characters + check).
std::uint64_t DataBits(std::string_view number) {
  std::uint64_t bits = 0;
  for (char c : number.substr(2, 10)) bits = bits << 5 | cases::kTrackingAlphabet.find(c);
  return bits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view typed = daiban::fuzz::Text(data, size);
  const std::string number = cases::NormalizeTrackingNumber(typed);
  // Only for UTF-8 (requests are checked for it first): dropping a blank out of broken bytes
  // may join them into an ideographic space that a second pass would drop too.
  if (daiban::kernel::IsValidUtf8(typed)) {
    FUZZ_CHECK(cases::NormalizeTrackingNumber(number) == number);
  }
  if (cases::IsWellFormedTrackingNumber(number)) {
    FUZZ_CHECK(cases::TrackingNumberFromRandom(DataBits(number)) == number);
  }
  (void)cases::IsWellFormedAccessCode(number);

  std::uint64_t bits = 0;
  std::memcpy(&bits, data, std::min(size, sizeof bits));
  const std::string made = cases::TrackingNumberFromRandom(bits);
  FUZZ_CHECK(cases::IsWellFormedTrackingNumber(made));
  FUZZ_CHECK(cases::NormalizeTrackingNumber(made) == made);
  FUZZ_CHECK(cases::IsWellFormedAccessCode(cases::AccessCodeFromRandom(bits)));

  const bool valid = cases::IsValidIdNumber(typed);
  using namespace std::chrono;
  FUZZ_CHECK(!cases::IsValidIdNumber(typed, year{2026} / October / day{10}) || valid);
  if (valid) {
    FUZZ_CHECK(cases::IdLast4Matches(typed, typed.substr(14)));
    FUZZ_CHECK(daiban::kernel::MaskIdNumber(typed).size() == typed.size());
  }
  (void)cases::IdLast4Matches(typed, typed.substr(typed.size() / 2));
  (void)cases::IsValidSocialCreditCode(typed);
  return 0;
}
