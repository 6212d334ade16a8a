#include "daiban/accounts/device_auth.hpp"

#include <pqxx/pqxx>

#include "daiban/kernel/errors.hpp"

namespace daiban::accounts {

DeviceAuth::DeviceAuth(AuthService& auth, db::PgPool& pool, const kernel::Clock& clock,
                       kernel::IdGenerator& ids, DeviceAuthOptions options)
    : auth_(auth), pool_(pool), clock_(clock), ids_(ids), options_(options) {}

bool IsValidDeviceId(const std::string& device_id) {
  if (device_id.empty() || device_id.size() > 100) return false;
  for (unsigned char c : device_id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

DeviceLogin DeviceAuth::IssueRefresh(LoginResult access, const std::string& device_id) {
  DeviceLogin login;
  login.access = std::move(access);
  login.refresh_token = ids_.HexId(32);
  login.refresh_expires_at = clock_.Now() + options_.refresh_ttl;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($5))",
        TokenHash(login.refresh_token), login.access.principal.user_id, device_id,
        db::EpochSeconds(clock_.Now()), db::EpochSeconds(login.refresh_expires_at));
  });
  return login;
}

DeviceLogin DeviceAuth::Login(const std::string& phone, const std::string& password,
                              const std::string& client_address, const std::string& device_id) {
  if (!IsValidDeviceId(device_id)) {
    throw kernel::Invalid("device_id", "device_id must be 1..100 printable characters");
  }
  auto access = auth_.Login(phone, password, client_address, device_id, options_.access_ttl);
  if (access.principal.role != Role::kAgent && access.principal.role != Role::kCourier) {
    throw kernel::Forbidden("the phone app is for agents and couriers");
  }
  return IssueRefresh(std::move(access), device_id);
}

DeviceLogin DeviceAuth::Refresh(const std::string& refresh_token, const std::string& device_id) {
  std::optional<Principal> principal;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    // Rotation: the presented token is spent whether or not the rest succeeds.
    auto rows = tx.exec_params(
        "UPDATE refresh_tokens r SET revoked_at = to_timestamp($3) FROM users u "
        "WHERE r.token_hash = $1 AND r.device_id = $2 AND r.revoked_at IS NULL "
        "AND r.expires_at > to_timestamp($3) AND u.id = r.user_id AND u.active "
        "RETURNING u.id, u.role, u.name, u.phone, coalesce(u.region_code, ''), "
        "coalesce(u.department_code, '')",
        TokenHash(refresh_token), device_id, db::EpochSeconds(clock_.Now()));
    if (rows.empty()) return;
    Principal p;
    p.user_id = rows[0][0].as<std::int64_t>();
    p.role = ParseRole(rows[0][1].as<std::string>()).value_or(Role::kAgent);
    p.name = rows[0][2].as<std::string>();
    p.phone = rows[0][3].as<std::string>();
    p.region_code = rows[0][4].as<std::string>();
    p.department_code = rows[0][5].as<std::string>();
    principal = p;
  });
  if (!principal) throw kernel::Unauthorized("the refresh token is invalid, expired or revoked");
  return IssueRefresh(auth_.IssueSession(*principal, device_id, options_.access_ttl), device_id);
}

bool DeviceAuth::RevokeDevice(std::int64_t user_id, const std::string& device_id) {
  std::vector<std::string> sessions;
  int revoked = 0;
  const double now = db::EpochSeconds(clock_.Now());
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    for (const auto& row :
         tx.exec_params("UPDATE sessions SET revoked_at = to_timestamp($3) WHERE user_id = $1 AND "
                        "device_id = $2 AND revoked_at IS NULL RETURNING token_hash",
                        user_id, device_id, now)) {
      sessions.push_back(row[0].as<std::string>());
    }
    revoked = static_cast<int>(sessions.size()) +
              static_cast<int>(tx.exec_params("UPDATE refresh_tokens SET revoked_at = "
                                              "to_timestamp($3) WHERE user_id = $1 AND "
                                              "device_id = $2 AND revoked_at IS NULL",
                                              user_id, device_id, now)
                                   .affected_rows());
  });
  auth_.ForgetCachedSessions(sessions);
  return revoked > 0;
}

}  // namespace daiban::accounts
