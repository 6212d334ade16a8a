#include "daiban/accounts/device_auth.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::accounts {

DeviceAuth::DeviceAuth(AuthService& auth, DeviceTokenStore& tokens, const kernel::Clock& clock,
                       kernel::IdGenerator& ids, DeviceAuthOptions options)
    : auth_(auth), tokens_(tokens), clock_(clock), ids_(ids), options_(options) {}

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
  tokens_.StoreRefresh(TokenHash(login.refresh_token), login.access.principal.user_id, device_id,
                       clock_.Now(), login.refresh_expires_at);
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
  auto spent = tokens_.SpendRefresh(TokenHash(refresh_token), device_id, clock_.Now());
  if (spent.chain_revoked) auth_.ForgetCachedSessions(spent.chain_revoked->session_hashes);
  const auto& principal = spent.principal;
  if (!principal) throw kernel::Unauthorized("the refresh token is invalid, expired or revoked");
  return IssueRefresh(auth_.IssueSession(*principal, device_id, options_.access_ttl), device_id);
}

bool DeviceAuth::RevokeDevice(std::int64_t user_id, const std::string& device_id) {
  auto revoked =
      tokens_.RevokeDevice(user_id, device_id, clock_.Now(), kernel::StaffScope::Everything());
  auth_.ForgetCachedSessions(revoked.session_hashes);
  return !revoked.session_hashes.empty() || revoked.refresh_tokens > 0;
}

void DeviceAuth::RevokeDevice(const kernel::StaffScope& scope, std::int64_t user_id,
                              const std::string& device_id) {
  auto revoked = tokens_.RevokeDevice(user_id, device_id, clock_.Now(), scope);
  auth_.ForgetCachedSessions(revoked.session_hashes);
  if (revoked.session_hashes.empty() && revoked.refresh_tokens == 0) {
    throw kernel::NotFound("no live device with this id");
  }
}

}  // namespace daiban::accounts
