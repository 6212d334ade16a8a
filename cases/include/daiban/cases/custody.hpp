#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daiban/cases/case_model.hpp"

// The rule of the chain of custody: who holds a case's papers now (the originals until the
// window takes them, the result from then on) and where the next link starts. Handlers and use
// cases only say who gives or who takes; the link itself is built here, from the chain so far.
namespace daiban::cases {

// Who holds the papers: the receiver of the last link, the applicant before the first one.
struct CustodyHolder {
  Role role = Role::kApplicant;
  std::int64_t user_id = 0;  // agents and couriers, when the link recorded it
  std::string name;
};

CustodyHolder CurrentHolder(const std::vector<CustodyLink>& chain, const Case& c);

// True when `actor` is the holder: the same role and, for agents and couriers, the same person
// (by account when both links know it, else by name). Any window stands for the hall, and
// any recipient the applicant authorised for the applicant.
bool Holds(const CustodyHolder& holder, const Actor& actor);

// A hand-over reported by the one who gives (the agent submits at the window or hands the
// result on, the window hands it over, the courier delivers). The papers did change hands, so
// the link is always recorded; when the giver was not the holder it carries a "discrepancy"
// naming the holder, for supervisors to clear up, instead of silently breaking the chain.
nlohmann::json GiveLink(const std::vector<CustodyLink>& chain, const Case& c, const Actor& giver,
                        const Actor& receiver, std::optional<GeoPoint> position = std::nullopt);

// A hand-over reported by the one who takes (the agent collects the originals or obtains the
// result, a courier picks up at the hall or the door): the link starts at whoever holds the
// papers now, so it always continues the chain. A holder whose role is not among
// `expected_from` is recorded as a discrepancy. Nothing (nullopt) when the receiver already
// holds the papers: nothing changed hands (a second collection, a pick-up of what the agent
// already gave to this courier).
std::optional<nlohmann::json> TakeLink(const std::vector<CustodyLink>& chain, const Case& c,
                                       const Actor& receiver,
                                       const std::vector<Role>& expected_from,
                                       std::optional<GeoPoint> position = std::nullopt);

// Links that do not start where the previous one ended, or that carry a discrepancy: empty for
// a sound chain (each entry: the link's event id).
std::vector<std::int64_t> CustodyBreaks(const std::vector<CustodyLink>& chain);

}  // namespace daiban::cases
