#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daiban/accounts/auth.hpp"
#include "daiban/kernel/staff_scope.hpp"

namespace daiban::accounts {

struct DeviceAuthOptions {
  std::chrono::seconds access_ttl{15 * 60};
  std::chrono::seconds refresh_ttl{30 * 24 * 3600};
};

struct DeviceLogin {
  LoginResult access;
  std::string refresh_token;
  kernel::Instant refresh_expires_at;
};

// Storage of the phones' refresh tokens. Implementations: PgDeviceTokenStore (accounts/pg).
class DeviceTokenStore {
 public:
  virtual ~DeviceTokenStore() = default;
  virtual void StoreRefresh(const std::string& token_hash, std::int64_t user_id,
                            const std::string& device_id, kernel::Instant created_at,
                            kernel::Instant expires_at) = 0;
  struct Revoked {
    std::vector<std::string> session_hashes;
    int refresh_tokens = 0;
  };
  struct Spent {
    std::optional<Principal> principal;  // the active user of a live token
    // Set when the token had been spent already (a copy is in other hands): the chain it
    // belongs to, every session and refresh token of its user's device, was revoked in the
    // same transaction (the standard rotation rule).
    std::optional<Revoked> chain_revoked;
  };
  // Spends a live refresh token of this device (rotation: spent whether or not the rest
  // succeeds) and returns its active user; no principal when unknown, expired, spent, revoked,
  // bound to another device or the user is inactive.
  virtual Spent SpendRefresh(const std::string& token_hash, const std::string& device_id,
                             kernel::Instant now) = 0;
  // Revokes every live session and refresh token of the user's device when the user is in
  // `scope` (kernel::StaffScope: an agent or courier of the supervisor's regions); nothing
  // otherwise.
  virtual Revoked RevokeDevice(std::int64_t user_id, const std::string& device_id,
                               kernel::Instant now, const kernel::StaffScope& scope) = 0;
};

// Sign-in for phones: a short-lived access token (a session with its device) and a refresh
// token bound to the same device, rotated on every refresh. Revoking a device (lost phone)
// ends both at once, everywhere: sessions are checked in PostgreSQL, the Redis cache is
// cleared.
class DeviceAuth {
 public:
  DeviceAuth(AuthService& auth, DeviceTokenStore& tokens, const kernel::Clock& clock,
             kernel::IdGenerator& ids, DeviceAuthOptions options = {});

  DeviceLogin Login(const std::string& phone, const std::string& password,
                    const std::string& client_address, const std::string& device_id);
  // 401 when the token is unknown, expired, revoked or bound to another device. A token
  // presented after it was spent revokes its device's whole chain before the 401, so neither
  // the thief nor the phone can go on with tokens derived from it.
  DeviceLogin Refresh(const std::string& refresh_token, const std::string& device_id);
  // Revokes every session and refresh token of the user's device; false when none was live.
  bool RevokeDevice(std::int64_t user_id, const std::string& device_id);
  // The same for staff: a user outside `scope` is treated like an unknown device, so the
  // answer never tells whether a device id exists out of scope (404 for both).
  void RevokeDevice(const kernel::StaffScope& scope, std::int64_t user_id,
                    const std::string& device_id);

 private:
  DeviceLogin IssueRefresh(LoginResult access, const std::string& device_id);

  AuthService& auth_;
  DeviceTokenStore& tokens_;
  const kernel::Clock& clock_;
  kernel::IdGenerator& ids_;
  DeviceAuthOptions options_;
};

// Device ids are the phone's own identifier: 1..100 printable ASCII characters.
bool IsValidDeviceId(const std::string& device_id);

}  // namespace daiban::accounts
