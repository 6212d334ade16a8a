#include "daiban/cases/pg/pg_attachment_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <pqxx/pqxx>
#include <system_error>

#include "daiban/cases/case_store.hpp"
#include "daiban/db/idempotency_store.hpp"
#include "daiban/db/pg_pool.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::cases {

namespace {

// Named statements, next to the code that runs them.
constexpr const char* kInsert = "attachments_insert";
constexpr const char* kInsertSql = R"sql(
INSERT INTO attachments (case_id, sha256, content_type, size_bytes, width, height, uploaded_by,
                         uploaded_at, device_time, note, delivery_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8), to_timestamp($9), $10, NULLIF($11, 0))
RETURNING id)sql";

constexpr const char* kColumns =
    "id, case_id, sha256, content_type, size_bytes, width, height, uploaded_by, "
    "extract(epoch FROM uploaded_at)::bigint, extract(epoch FROM device_time)::bigint, note, "
    "coalesce(delivery_id, 0)";
constexpr const char* kList = "attachments_list";
const std::string kListSql =
    std::string("SELECT ") + kColumns + " FROM attachments WHERE case_id = $1 ORDER BY id";
constexpr const char* kFind = "attachments_find";
const std::string kFindSql = std::string("SELECT ") + kColumns + " FROM attachments WHERE id = $1";

constexpr const char* kFiles = "attachment files";

using std::chrono::sys_seconds;

Attachment FromRow(const pqxx::row& row) {
  Attachment a;
  a.id = row[0].as<std::int64_t>();
  a.case_id = row[1].as<std::int64_t>();
  a.sha256 = row[2].as<std::string>();
  a.content_type = row[3].as<std::string>();
  a.size_bytes = row[4].as<std::int64_t>();
  a.width = row[5].as<int>();
  a.height = row[6].as<int>();
  a.uploaded_by = row[7].as<std::int64_t>();
  a.uploaded_at = sys_seconds(std::chrono::seconds(row[8].as<std::int64_t>()));
  if (!row[9].is_null()) {
    a.device_time = sys_seconds(std::chrono::seconds(row[9].as<std::int64_t>()));
  }
  a.note = row[10].as<std::string>();
  a.delivery_id = row[11].as<std::int64_t>();
  return a;
}

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 2 * crypto_hash_sha256_BYTES) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

kernel::DependencyUnavailable FileFailure(const std::string& what, const std::string& path,
                                          int error) {
  return kernel::DependencyUnavailable(kFiles, what + " " + path + ": " + std::strerror(error));
}

// Makes a rename durable: the directory entry is on disk once its folder is synced.
void SyncFolder(const std::filesystem::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw FileFailure("cannot open", folder.string(), errno);
  int result = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (result != 0) throw FileFailure("cannot sync", folder.string(), error);
}

}  // namespace

PgAttachmentStore::PgAttachmentStore(db::PgPool& pool, std::string folder)
    : pool_(pool), folder_(std::move(folder)) {
  if (sodium_init() < 0) throw kernel::ConfigError("libsodium failed to initialise");
  if (folder_.empty()) {
    throw kernel::ConfigError("the attachment folder (DAIBAN_ATTACHMENT_DIR) must not be empty");
  }
  // Created now so a folder that cannot exist stops the service at start, not at the first
  // photo.
  std::error_code error;
  std::filesystem::create_directories(folder_, error);
  if (error || !std::filesystem::is_directory(folder_)) {
    throw kernel::ConfigError("the attachment folder " + folder_.string() + " cannot be created: " +
                              (error ? error.message() : "it is not a folder"));
  }
  const std::pair<const char*, std::string> statements[] = {
      {kInsert, kInsertSql}, {kList, kListSql}, {kFind, kFindSql}};
  for (const auto& [name, sql] : statements) pool_.Prepare(name, sql);
}

std::filesystem::path PgAttachmentStore::PathOf(const std::string& sha256) const {
  // 256 subfolders keep any one folder small however many photos there are.
  return folder_ / sha256.substr(0, 2) / sha256;
}

void PgAttachmentStore::WriteOnce(const std::string& sha256, std::string_view bytes) const {
  const std::filesystem::path target = PathOf(sha256);
  const std::filesystem::path folder = target.parent_path();
  struct stat existing {};
  // Content addressing: a file of this name already holds these bytes. A file of another size
  // can only be damage from outside; it is replaced below.
  if (::stat(target.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) &&
      static_cast<std::size_t>(existing.st_size) == bytes.size()) {
    return;
  }
  std::error_code made;
  std::filesystem::create_directories(folder, made);
  if (made) {
    throw kernel::DependencyUnavailable(kFiles,
                                        "cannot create " + folder.string() + ": " + made.message());
  }
  // In the target's folder so the rename stays on one file system (and is atomic); mkstemp
  // gives a fresh name per writer, so two uploads of the same photo never share a temp file.
  // Its mode 0600 suits personal data that only the service reads.
  std::string temp = (folder / ("." + sha256 + ".XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) throw FileFailure("cannot create a file in", folder.string(), errno);
  auto fail = [&](const std::string& what, int error) {
    ::close(fd);
    ::unlink(temp.c_str());
    return FileFailure(what, temp, error);
  };
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw fail("cannot write", n < 0 ? errno : EIO);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw fail("cannot sync", errno);
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    throw FileFailure("cannot close", temp, error);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    throw FileFailure("cannot rename to", target.string(), error);
  }
  SyncFolder(folder);
}

Attachment PgAttachmentStore::Save(const NewPhoto& photo,
                                   const std::optional<AttachmentAnswer>& answer) {
  Attachment a = NewAttachment(photo);

  // The file first: if the row then fails, an unreferenced file is left (harmless, the next
  // upload of the same photo reuses it); the other order could leave a row without its photo.
  WriteOnce(a.sha256, photo.bytes);

  std::optional<double> device_epoch;
  if (a.device_time) {
    device_epoch = static_cast<double>(a.device_time->time_since_epoch().count());
  }
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    a.id = tx.exec_prepared(kInsert, a.case_id, a.sha256, a.content_type, a.size_bytes, a.width,
                            a.height, a.uploaded_by,
                            static_cast<double>(a.uploaded_at.time_since_epoch().count()),
                            device_epoch, a.note, a.delivery_id)[0][0]
               .as<std::int64_t>();
    if (answer) {
      // The one idempotency store; throwing rolls the row back: the key's first request owns
      // the answer.
      db::IdempotencyStore::Keep(
          tx, {answer->scope, answer->key, answer->request_hash, 201, answer->render(a)});
    }
  });
  return a;
}

std::vector<Attachment> PgAttachmentStore::List(std::int64_t case_id) {
  std::vector<Attachment> out;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kList, case_id)) out.push_back(FromRow(row));
  });
  return out;
}

std::optional<Attachment> PgAttachmentStore::Find(std::int64_t attachment_id) {
  std::optional<Attachment> found;
  pool_.Read([&](pqxx::transaction_base& tx) {
    auto rows = tx.exec_prepared(kFind, attachment_id);
    if (!rows.empty()) found = FromRow(rows[0]);
  });
  return found;
}

std::optional<std::string> PgAttachmentStore::Read(const std::string& sha256) {
  // Only a hash names a file: nothing else can reach outside the folder.
  if (!IsSha256Hex(sha256)) return std::nullopt;
  const std::filesystem::path path = PathOf(sha256);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw FileFailure("cannot open", path.string(), errno);
  }
  std::string bytes;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && info.st_size > 0) {
    bytes.reserve(static_cast<std::size_t>(info.st_size));
  }
  std::array<char, 64 * 1024> buffer{};
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      throw FileFailure("cannot read", path.string(), error);
    }
    if (n == 0) break;
    bytes.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return bytes;
}

std::optional<kernel::IdempotentAnswer> PgAttachmentStore::FindAnswer(const std::string& scope,
                                                                      const std::string& key) {
  return db::IdempotencyStore(pool_).Find(scope, key);
}

}  // namespace daiban::cases
