#include "daiban/cli/daibanctl.hpp"

#include <functional>
#include <map>

#include "daiban/db/migrator.hpp"
#include "daiban/host/service_host.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::cli {

namespace {

constexpr const char* kUsage = R"(usage: daibanctl COMMAND [ARGS]

commands:
  migrate            apply the pending database migrations of this build
  migrate status     print the database's and this build's schema versions
  help               this text

The database is DAIBAN_PG_URL (default postgresql://daiban@127.0.0.1:15432/daiban).
)";

using Args = std::vector<std::string>;

int Migrate(const Args& args, std::ostream& out, const kernel::Env& env) {
  db::PgPool pool(host::LoadPgOptions(env));
  db::Migrator migrator(pool, db::BuiltInMigrations());
  if (args.size() == 1 && args[0] == "status") {
    auto status = migrator.Status();
    out << "database schema version " << status.database_version << ", this build "
        << status.code_version << "\n";
    return 0;
  }
  if (!args.empty()) throw std::invalid_argument("unexpected argument '" + args[0] + "'");
  auto report = migrator.Apply();
  for (int version : report.applied) {
    for (const auto& migration : db::BuiltInMigrations()) {
      if (migration.version == version) {
        out << "applied " << version << " " << migration.name << "\n";
      }
    }
  }
  out << "database schema version " << report.database_version << " ("
      << report.applied.size() << " applied now)\n";
  return 0;
}

}  // namespace

int RunDaibanctl(const Args& args, std::ostream& out, std::ostream& err, const kernel::Env& env) {
  using Command = std::function<int(const Args&, std::ostream&, const kernel::Env&)>;
  const std::map<std::string, Command> commands = {{"migrate", Migrate}};
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  auto command = commands.find(args[0]);
  if (command == commands.end()) {
    err << "daibanctl: unknown command '" << args[0] << "'\n" << kUsage;
    return 2;
  }
  try {
    return command->second(Args(args.begin() + 1, args.end()), out, env);
  } catch (const std::invalid_argument& error) {
    err << "daibanctl " << args[0] << ": " << error.what() << "\n";
    return 2;
  } catch (const kernel::ConfigError& error) {
    err << "daibanctl: configuration error: " << error.what() << "\n";
    return 2;
  } catch (const kernel::DependencyUnavailable& error) {
    err << "daibanctl " << args[0] << ": " << error.Dependency()
        << " unavailable: " << error.Detail() << "\n";
    return 1;
  } catch (const std::exception& error) {
    err << "daibanctl " << args[0] << ": " << error.what() << "\n";
    return 1;
  }
}

}  // namespace daiban::cli
