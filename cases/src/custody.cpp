#include "daiban/cases/custody.hpp"

#include <algorithm>

namespace daiban::cases {

namespace {

CustodyHolder Receiver(const CustodyLink& link) {
  return {ParseRole(link.to_role).value_or(Role::kSystem), link.to_user_id, link.to_name};
}

bool SameParty(Role role, std::int64_t user_a, const std::string& name_a, std::int64_t user_b,
               const std::string& name_b) {
  if (role != Role::kAgent && role != Role::kCourier) return true;
  if (user_a != 0 && user_b != 0) return user_a == user_b;
  return name_a.empty() || name_b.empty() || name_a == name_b;
}

std::string Describe(const CustodyHolder& holder) {
  return ToWord(holder.role) + (holder.name.empty() ? "" : " " + holder.name);
}

}  // namespace

CustodyHolder CurrentHolder(const std::vector<CustodyLink>& chain, const Case& c) {
  if (chain.empty()) return {Role::kApplicant, 0, c.applicant.name};
  return Receiver(chain.back());
}

bool Holds(const CustodyHolder& holder, const Actor& actor) {
  return holder.role == actor.role &&
         SameParty(holder.role, holder.user_id, holder.name, actor.user_id, actor.name);
}

nlohmann::json GiveLink(const std::vector<CustodyLink>& chain, const Case& c, const Actor& giver,
                        const Actor& receiver, std::optional<GeoPoint> position) {
  auto data = CustodyData(giver, receiver, position);
  const auto holder = CurrentHolder(chain, c);
  if (!Holds(holder, giver)) {
    data["discrepancy"] = "handed over by " + ToWord(giver.role) +
                          (giver.name.empty() ? "" : " " + giver.name) +
                          ", but the papers were with " + Describe(holder);
  }
  return data;
}

std::optional<nlohmann::json> TakeLink(const std::vector<CustodyLink>& chain, const Case& c,
                                       const Actor& receiver,
                                       const std::vector<Role>& expected_from,
                                       std::optional<GeoPoint> position) {
  const auto holder = CurrentHolder(chain, c);
  if (Holds(holder, receiver)) return std::nullopt;
  auto data = CustodyData({holder.role, holder.user_id, holder.name, "", ""}, receiver, position);
  if (std::find(expected_from.begin(), expected_from.end(), holder.role) == expected_from.end()) {
    std::string expected;
    for (auto role : expected_from) expected += (expected.empty() ? "" : " or ") + ToWord(role);
    data["discrepancy"] = "taken from " + Describe(holder) + ", expected from " + expected;
  }
  return data;
}

std::vector<std::int64_t> CustodyBreaks(const std::vector<CustodyLink>& chain) {
  std::vector<std::int64_t> breaks;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    bool continues = true;
    if (i == 0) {
      continues = chain[i].from_role == ToWord(Role::kApplicant);
    } else {
      const auto& previous = chain[i - 1];
      auto role = ParseRole(chain[i].from_role);
      continues = role && chain[i].from_role == previous.to_role &&
                  SameParty(*role, chain[i].from_user_id, chain[i].from_name, previous.to_user_id,
                            previous.to_name);
    }
    if (!continues || !chain[i].discrepancy.empty()) breaks.push_back(chain[i].event_id);
  }
  return breaks;
}

}  // namespace daiban::cases
