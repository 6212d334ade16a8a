#include "daiban/accounts/pg/pg_account_store.hpp"

#include <chrono>
#include <pqxx/pqxx>

#include "daiban/kernel/errors.hpp"

namespace daiban::accounts {

namespace {

constexpr const char* kInsertUser = "accounts_insert_user";
constexpr const char* kInsertUserSql = R"sql(
INSERT INTO users (role, name, phone, password_hash, region_code, department_code)
VALUES ($1, $2, $3, $4, NULLIF($5, ''), NULLIF($6, ''))
RETURNING id)sql";

constexpr const char* kUserByPhone = "accounts_user_by_phone";
constexpr const char* kUserByPhoneSql = R"sql(
SELECT id, role, name, phone, coalesce(region_code, ''), coalesce(department_code, ''),
       password_hash, active
  FROM users WHERE phone = $1)sql";

constexpr const char* kInsertSession = "accounts_insert_session";
constexpr const char* kInsertSessionSql = R"sql(
INSERT INTO sessions (token_hash, user_id, device_id, expires_at)
VALUES ($1, $2, NULLIF($3, ''), to_timestamp($4)))sql";

constexpr const char* kSession = "accounts_session";
constexpr const char* kSessionSql = R"sql(
SELECT u.id, u.role, u.name, u.phone, coalesce(u.region_code, ''),
       coalesce(u.department_code, '')
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > to_timestamp($2)
   AND u.active)sql";

constexpr const char* kRevokeSession = "accounts_revoke_session";
constexpr const char* kRevokeSessionSql =
    "UPDATE sessions SET revoked_at = to_timestamp($2) "
    "WHERE token_hash = $1 AND revoked_at IS NULL";

Principal PrincipalFromRow(const pqxx::row& row) {
  Principal p;
  p.user_id = row[0].as<std::int64_t>();
  p.role = kernel::ParseStaffRole(row[1].as<std::string>()).value_or(Role::kWindow);
  p.name = row[2].as<std::string>();
  p.phone = row[3].as<std::string>();
  p.region_code = row[4].as<std::string>();
  p.department_code = row[5].as<std::string>();
  return p;
}

}  // namespace

PgAccountStore::PgAccountStore(db::PgPool& pool) : pool_(pool) {
  pool_.Prepare(kInsertUser, kInsertUserSql);
  pool_.Prepare(kUserByPhone, kUserByPhoneSql);
  pool_.Prepare(kInsertSession, kInsertSessionSql);
  pool_.Prepare(kSession, kSessionSql);
  pool_.Prepare(kRevokeSession, kRevokeSessionSql);
}

std::int64_t PgAccountStore::AddUser(const NewUser& user, const std::string& password_hash) {
  std::int64_t id = 0;
  try {
    pool_.Transact([&](pqxx::dbtransaction& tx) {
      id = tx.exec_prepared(kInsertUser, ToWord(user.role), user.name, user.phone, password_hash,
                            user.region_code, user.department_code)[0][0]
               .as<std::int64_t>();
    });
  } catch (const pqxx::unique_violation&) {
    throw kernel::Conflict("phone_taken", "a user with this phone exists", "phone");
  } catch (const pqxx::foreign_key_violation& error) {
    std::string what = error.what();
    bool region = what.find("region") != std::string::npos;
    throw kernel::Invalid(region ? "region" : "department",
                          region ? "unknown region" : "unknown department");
  }
  return id;
}

std::optional<StoredUser> PgAccountStore::FindByPhone(const std::string& phone) {
  std::optional<StoredUser> user;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(kUserByPhone, phone);
    if (rows.empty()) return;
    user =
        StoredUser{PrincipalFromRow(rows[0]), rows[0][6].as<std::string>(), rows[0][7].as<bool>()};
  });
  return user;
}

void PgAccountStore::CreateSession(const std::string& token_hash, std::int64_t user_id,
                                   const std::string& device_id, kernel::Instant expires_at) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    tx.exec_prepared(kInsertSession, token_hash, user_id, device_id, db::EpochSeconds(expires_at));
  });
}

std::optional<Principal> PgAccountStore::FindSession(const std::string& token_hash,
                                                     kernel::Instant now) {
  std::optional<Principal> principal;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(kSession, token_hash, db::EpochSeconds(now));
    if (!rows.empty()) principal = PrincipalFromRow(rows[0]);
  });
  return principal;
}

bool PgAccountStore::RevokeSession(const std::string& token_hash, kernel::Instant now) {
  bool revoked = false;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    revoked =
        tx.exec_prepared(kRevokeSession, token_hash, db::EpochSeconds(now)).affected_rows() > 0;
  });
  return revoked;
}

}  // namespace daiban::accounts
