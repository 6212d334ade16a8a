#include "daiban/accounts/testing/in_memory_accounts.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::accounts::testing {

void InMemoryAccountStore::AddRegion(const std::string& code) {
  std::lock_guard lock(mutex_);
  regions_.insert(code);
}

void InMemoryAccountStore::AddDepartment(const std::string& code) {
  std::lock_guard lock(mutex_);
  departments_.insert(code);
}

void InMemoryAccountStore::Deactivate(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  for (auto& [phone, user] : users_) {
    if (user.principal.user_id == user_id) user.active = false;
  }
}

std::int64_t InMemoryAccountStore::AddUser(const NewUser& user, const std::string& password_hash) {
  std::lock_guard lock(mutex_);
  if (users_.contains(user.phone)) {
    throw kernel::Conflict("phone_taken", "a user with this phone exists", "phone");
  }
  if (!user.region_code.empty() && !regions_.contains(user.region_code)) {
    throw kernel::Invalid("region", "unknown region");
  }
  if (!user.department_code.empty() && !departments_.contains(user.department_code)) {
    throw kernel::Invalid("department", "unknown department");
  }
  StoredUser stored;
  stored.principal = {static_cast<std::int64_t>(users_.size()) + 1,
                      user.role,
                      user.name,
                      user.phone,
                      user.region_code,
                      user.department_code};
  stored.password_hash = password_hash;
  users_[user.phone] = stored;
  return stored.principal.user_id;
}

std::optional<StoredUser> InMemoryAccountStore::FindByPhone(const std::string& phone) {
  std::lock_guard lock(mutex_);
  auto found = users_.find(phone);
  if (found == users_.end()) return std::nullopt;
  return found->second;
}

void InMemoryAccountStore::CreateSession(const std::string& token_hash, std::int64_t user_id,
                                         const std::string& device_id, kernel::Instant expires_at) {
  std::lock_guard lock(mutex_);
  sessions_[token_hash] = {user_id, device_id, expires_at, false};
}

std::optional<Principal> InMemoryAccountStore::FindSession(const std::string& token_hash,
                                                           kernel::Instant now) {
  std::lock_guard lock(mutex_);
  auto session = sessions_.find(token_hash);
  // The database compares to the second, as it stores the expiry.
  if (session == sessions_.end() || session->second.revoked ||
      std::chrono::floor<std::chrono::seconds>(session->second.expires_at) <=
          std::chrono::floor<std::chrono::seconds>(now)) {
    return std::nullopt;
  }
  for (const auto& [phone, user] : users_) {
    if (user.principal.user_id == session->second.user_id) {
      if (!user.active) return std::nullopt;
      return user.principal;
    }
  }
  return std::nullopt;
}

bool InMemoryAccountStore::RevokeSession(const std::string& token_hash, kernel::Instant) {
  std::lock_guard lock(mutex_);
  auto session = sessions_.find(token_hash);
  if (session == sessions_.end() || session->second.revoked) return false;
  session->second.revoked = true;
  return true;
}

std::optional<StoredUser> InMemoryAccountStore::FindById(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  for (const auto& [phone, user] : users_) {
    if (user.principal.user_id == user_id) return user;
  }
  return std::nullopt;
}

std::vector<std::string> InMemoryAccountStore::RevokeDeviceSessions(std::int64_t user_id,
                                                                    const std::string& device_id) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> revoked;
  for (auto& [hash, session] : sessions_) {
    if (session.user_id != user_id || session.device_id != device_id || session.revoked) continue;
    session.revoked = true;
    revoked.push_back(hash);
  }
  return revoked;
}

void InMemoryDeviceTokenStore::StoreRefresh(const std::string& token_hash, std::int64_t user_id,
                                            const std::string& device_id, kernel::Instant,
                                            kernel::Instant expires_at) {
  std::lock_guard lock(mutex_);
  tokens_[token_hash] = {user_id, device_id, expires_at, false, false};
}

DeviceTokenStore::Spent InMemoryDeviceTokenStore::SpendRefresh(const std::string& token_hash,
                                                               const std::string& device_id,
                                                               kernel::Instant now) {
  std::lock_guard lock(mutex_);
  Spent spent;
  auto found = tokens_.find(token_hash);
  if (found == tokens_.end()) return spent;
  Token& token = found->second;
  // The database compares to the second, as it stores the expiry.
  const bool live = !token.revoked && token.device_id == device_id &&
                    std::chrono::floor<std::chrono::seconds>(token.expires_at) >
                        std::chrono::floor<std::chrono::seconds>(now);
  auto user = accounts_.FindById(token.user_id);
  if (live && user && user->active) {
    token.revoked = true;
    token.spent = true;
    spent.principal = user->principal;
  } else if (token.spent) {
    // A spent token again, from whatever device: its chain is compromised.
    spent.chain_revoked = RevokeChain(token.user_id, token.device_id);
  }
  return spent;
}

DeviceTokenStore::Revoked InMemoryDeviceTokenStore::RevokeDevice(std::int64_t user_id,
                                                                 const std::string& device_id,
                                                                 kernel::Instant,
                                                                 const kernel::StaffScope& scope) {
  std::lock_guard lock(mutex_);
  if (!in_scope_(user_id, scope)) return {};
  return RevokeChain(user_id, device_id);
}

DeviceTokenStore::Revoked InMemoryDeviceTokenStore::RevokeChain(std::int64_t user_id,
                                                                const std::string& device_id) {
  Revoked revoked;
  revoked.session_hashes = accounts_.RevokeDeviceSessions(user_id, device_id);
  for (auto& [hash, token] : tokens_) {
    if (token.user_id != user_id || token.device_id != device_id || token.revoked) continue;
    token.revoked = true;
    ++revoked.refresh_tokens;
  }
  return revoked;
}

std::optional<Principal> InMemoryAuthState::Get(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(token_hash);
  if (found == sessions_.end()) return std::nullopt;
  return found->second;
}

void InMemoryAuthState::Put(const std::string& token_hash, const Principal& principal,
                            std::chrono::seconds) {
  std::lock_guard lock(mutex_);
  sessions_[token_hash] = principal;
}

void InMemoryAuthState::Forget(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token_hash);
}

std::int64_t InMemoryAuthState::Count(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = failures_.find(key);
  if (found == failures_.end() || found->second.lapses_at <= clock_.Now()) return 0;
  return found->second.count;
}

void InMemoryAuthState::Add(const std::string& key, std::chrono::seconds window) {
  std::lock_guard lock(mutex_);
  auto& failures = failures_[key];
  if (failures.count == 0 || failures.lapses_at <= clock_.Now()) {
    failures = {0, clock_.Now() + window};  // the window runs from the first failure
  }
  ++failures.count;
}

void InMemoryAuthState::Clear(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

}  // namespace daiban::accounts::testing
