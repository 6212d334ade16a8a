#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

// The credentials of Open311 clients (table api_keys) and the rate each may submit at. Open311
// is an intake channel, but a key is a credential like a session token: the accounts context
// owns it, and intake's facade only asks who a key is and whether it may submit now.
namespace daiban::accounts {

// A registered Open311 client. Keys are stored as SHA-256 hashes only (TokenHash).
struct ApiKey {
  std::int64_t id = 0;
  std::string name;
};

// Storage of the clients' keys. Implementation: PgApiKeyStore.
class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // The key with this hash, unless revoked.
  virtual std::optional<ApiKey> FindActiveKey(const std::string& key_hash) = 0;
  // Stores a new key; nullopt (and nothing written) when a key with this hash exists.
  virtual std::optional<std::int64_t> AddKey(const std::string& name,
                                             const std::string& key_hash) = 0;
};

// How many service requests one api_key may submit per minute (DAIBAN_OPEN311_KEY_RATE): the
// gateway limits anonymous creation per address, but a key's client submits for many people
// from a few addresses, so its own rate is counted here. Implementation: RedisApiKeyLimiter.
class ApiKeyLimiter {
 public:
  virtual ~ApiKeyLimiter() = default;
  // Counts one submission of the key; when the key is over its rate, the seconds until it may
  // submit again (nothing counted then).
  virtual std::optional<std::chrono::seconds> Admit(std::int64_t key_id) = 0;
};

}  // namespace daiban::accounts
