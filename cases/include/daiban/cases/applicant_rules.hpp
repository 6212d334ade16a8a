#pragma once

#include <string_view>

#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/text.hpp"

// Checks of what applicants type in: identity numbers, firms' credit codes, phone numbers, and
// whether a point lies in Jinan. Format checks only: a valid number may still belong to no one.

namespace daiban::cases {

// Whether `text` is exactly an 18-character PRC resident identity number (GB 11643-1999):
// 17 digits, then a check character (a digit or upper-case 'X') equal to the ISO 7064 MOD 11-2
// check over them (weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2; characters "10X98765432" for
// sum mod 11 = 0..10), and the birth date in characters 7–14 (YYYYMMDD) a real calendar date
// from 1900-01-01 on. No spaces, no lower-case 'x', no 15-digit old numbers.
bool IsValidIdNumber(std::string_view text);

// IsValidIdNumber(text), and the birth date is not after `today` (the caller's local date).
bool IsValidIdNumber(std::string_view text, CivilDate today);

// Whether `text` is exactly an 18-character unified social credit code (GB 32100-2015): every
// character from "0123456789ABCDEFGHJKLMNPQRTUWXY" (upper case; the value of a character is its
// index), and the 18th the check character of the first 17: value (31 - (Σ value_i × weight_i
// mod 31)) mod 31, weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28. The structure of the
// first 17 (registering authority, region code, organisation code) is not checked.
bool IsValidSocialCreditCode(std::string_view text);

// The mobile-number rule is the platform's (one for accounts and applicants).
using kernel::IsMobilePhone;

// The identity check when a result is handed over (at the window or at the door): `last4` is the
// last four characters of `id_number`, the check letter X in either case. False when either is
// shorter than four characters.
bool IdLast4Matches(std::string_view id_number, std::string_view last4);

// Whether a WGS-84 point lies in a coarse bounding box around 济南市 (latitude 35.9–37.8 N,
// longitude 116.1–118.0 E, bounds included) that contains every district and county. The box
// also holds parts of neighbouring cities: a plausibility check, not a boundary test. False for
// NaN.
bool InsideJinan(double latitude, double longitude);

// Whether a WGS-84 point is far outside 济南市: beyond the extent of its twelve districts
// (latitude 35.99–37.54 N, longitude 116.22–117.97 E, db/seed/demo/jinan-districts.geojson)
// widened by about 20 km on every side. A phone's fix there is a GPS glitch or a phone away from
// its work, flagged like an implausible jump. True for NaN.
bool FarOutsideJinan(double latitude, double longitude);

}  // namespace daiban::cases
