#include <pqxx/pqxx>

#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/db/scope_sql.hpp"

namespace daiban::accounts {

void PgDeviceTokenStore::StoreRefresh(const std::string& token_hash, std::int64_t user_id,
                                      const std::string& device_id, kernel::Instant created_at,
                                      kernel::Instant expires_at) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($5))",
        token_hash, user_id, device_id, db::EpochSeconds(created_at), db::EpochSeconds(expires_at));
  });
}

namespace {

// Every live session and refresh token of the user's device, in the caller's transaction, when
// the user is in `scope`; out of scope nothing is touched (the scope is part of both statements).
DeviceTokenStore::Revoked RevokeChain(pqxx::dbtransaction& tx, std::int64_t user_id,
                                      const std::string& device_id, double at,
                                      const kernel::StaffScope& scope) {
  const std::string in_scope = db::ScopeSql(4).PhoneUser("$1::bigint");
  DeviceTokenStore::Revoked revoked;
  for (const auto& row : tx.exec_params(
           "UPDATE sessions SET revoked_at = to_timestamp($3) WHERE user_id = $1 AND "
           "device_id = $2 AND revoked_at IS NULL AND " +
               in_scope + " RETURNING token_hash",
           user_id, device_id, at, scope.everything, scope.region_code, scope.department_code)) {
    revoked.session_hashes.push_back(row[0].as<std::string>());
  }
  revoked.refresh_tokens = static_cast<int>(
      tx.exec_params("UPDATE refresh_tokens SET revoked_at = to_timestamp($3) WHERE user_id = $1 "
                     "AND device_id = $2 AND revoked_at IS NULL AND " +
                         in_scope,
                     user_id, device_id, at, scope.everything, scope.region_code,
                     scope.department_code)
          .affected_rows());
  return revoked;
}

}  // namespace

DeviceTokenStore::Spent PgDeviceTokenStore::SpendRefresh(const std::string& token_hash,
                                                         const std::string& device_id,
                                                         kernel::Instant now) {
  Spent spent;
  const double at = db::EpochSeconds(now);
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    spent = {};  // a retried transaction starts over
    auto rows = tx.exec_params(
        "UPDATE refresh_tokens r SET revoked_at = to_timestamp($3), spent_at = to_timestamp($3) "
        "FROM users u "
        "WHERE r.token_hash = $1 AND r.device_id = $2 AND r.revoked_at IS NULL "
        "AND r.expires_at > to_timestamp($3) AND u.id = r.user_id AND u.active "
        "RETURNING u.id, u.role, u.name, u.phone, coalesce(u.region_code, ''), "
        "coalesce(u.department_code, '')",
        token_hash, device_id, at);
    if (rows.empty()) {
      // A spent token again, from whatever device: its chain is compromised.
      auto reused = tx.exec_params(
          "SELECT user_id, device_id FROM refresh_tokens WHERE token_hash = $1 "
          "AND spent_at IS NOT NULL",
          token_hash);
      if (!reused.empty()) {
        spent.chain_revoked =
            RevokeChain(tx, reused[0][0].as<std::int64_t>(), reused[0][1].as<std::string>(), at,
                        kernel::StaffScope::Everything());
      }
      return;
    }
    Principal p;
    p.user_id = rows[0][0].as<std::int64_t>();
    p.role = kernel::ParseStaffRole(rows[0][1].as<std::string>()).value_or(Role::kAgent);
    p.name = rows[0][2].as<std::string>();
    p.phone = rows[0][3].as<std::string>();
    p.region_code = rows[0][4].as<std::string>();
    p.department_code = rows[0][5].as<std::string>();
    spent.principal = p;
  });
  return spent;
}

DeviceTokenStore::Revoked PgDeviceTokenStore::RevokeDevice(std::int64_t user_id,
                                                           const std::string& device_id,
                                                           kernel::Instant now,
                                                           const kernel::StaffScope& scope) {
  Revoked revoked;
  const double at = db::EpochSeconds(now);
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    revoked = RevokeChain(tx, user_id, device_id, at, scope);  // a retried transaction starts over
  });
  return revoked;
}

}  // namespace daiban::accounts
