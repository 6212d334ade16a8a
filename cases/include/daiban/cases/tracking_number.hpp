#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// The identifiers applicants type: the tracking number of a case and its access code (DESIGN.md
// §1: "human-friendly, not enumerable"). The randomness is the caller's: these functions only
// spell the bits they are given.

namespace daiban::cases {

// Crockford's base-32 alphabet (no I, L, O, U); a character's value is its index.
inline constexpr std::string_view kTrackingAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Characters in a tracking number: "DB", 10 data characters, 1 check character.
inline constexpr std::size_t kTrackingNumberLength = 13;

// Characters in an access code.
inline constexpr std::size_t kAccessCodeLength = 8;

// "DB" + the low 50 bits of `random_bits` as 10 characters of kTrackingAlphabet (most significant
// first) + a check character, 13 characters in all, e.g. "DB" "0123456789" + check.
//
// The check character has the value c = Σ α^(i+1) · v_i over the data characters' values v_0..v_9
// in the field GF(32) (polynomial x^5 + x^2 + 1, α = x, so + is exclusive or). Counting the check
// character with weight α^0 = 1, the 11 weights are distinct and nonzero, so the check catches
// every single-character substitution (the sum changes by w·e ≠ 0) and every transposition of two
// different characters, adjacent or not, check character included (it changes by
// (w_i + w_j)(a + b) ≠ 0).
std::string TrackingNumberFromRandom(std::uint64_t random_bits);

// Whether `text` is exactly a tracking number as TrackingNumberFromRandom spells it: 13
// characters, "DB", 11 characters of kTrackingAlphabet (upper case only), and the right check
// character. Normalize what people type with NormalizeTrackingNumber first.
bool IsWellFormedTrackingNumber(std::string_view text);

// What a person typed, as a tracking number or access code would be spelled: drops spaces, tabs,
// the ideographic space (U+3000) and hyphens; turns full-width ASCII forms (U+FF01–U+FF5E, as
// Chinese input methods type them) into ASCII; upper-cases ASCII letters; then reads O as 0 and
// I and L as 1. Other characters are kept, so a wrong input stays wrong. Never throws.
std::string NormalizeTrackingNumber(std::string_view typed);

// The low 40 bits of `random_bits` as 8 characters of kTrackingAlphabet, most significant first.
// No check character: an access code is a secret, checked by comparison.
std::string AccessCodeFromRandom(std::uint64_t random_bits);

// Whether `text` is exactly 8 characters of kTrackingAlphabet (upper case only).
bool IsWellFormedAccessCode(std::string_view text);

}  // namespace daiban::cases
