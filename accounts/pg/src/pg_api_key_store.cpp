#include "daiban/accounts/pg/pg_api_key_store.hpp"

#include <pqxx/pqxx>

namespace daiban::accounts {

namespace {

constexpr const char* kFindKey = "api_keys_find";
constexpr const char* kFindKeySql =
    "SELECT id, name FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL";

// A key that exists already (revoked or not) is left alone: the hash is unique.
constexpr const char* kAddKey = "api_keys_add";
constexpr const char* kAddKeySql =
    "INSERT INTO api_keys (name, key_hash) VALUES ($1, $2) "
    "ON CONFLICT (key_hash) DO NOTHING RETURNING id";

}  // namespace

PgApiKeyStore::PgApiKeyStore(db::PgPool& pool) : pool_(pool) {
  pool_.Prepare(kFindKey, kFindKeySql);
  pool_.Prepare(kAddKey, kAddKeySql);
}

std::optional<ApiKey> PgApiKeyStore::FindActiveKey(const std::string& key_hash) {
  std::optional<ApiKey> found;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(kFindKey, key_hash);
    if (!rows.empty()) found = ApiKey{rows[0][0].as<std::int64_t>(), rows[0][1].as<std::string>()};
  });
  return found;
}

std::optional<std::int64_t> PgApiKeyStore::AddKey(const std::string& name,
                                                  const std::string& key_hash) {
  std::optional<std::int64_t> id;
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    auto rows = tx.exec_prepared(kAddKey, name, key_hash);
    if (!rows.empty()) id = rows[0][0].as<std::int64_t>();
  });
  return id;
}

}  // namespace daiban::accounts
