#include "daiban/cli/daibanctl.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <pqxx/pqxx>

#include "daiban/accounts/auth.hpp"
#include "daiban/accounts/pg/pg_account_store.hpp"
#include "daiban/accounts/pg/pg_api_key_store.hpp"
#include "daiban/cases/applicant_rules.hpp"
#include "daiban/cases/china_time.hpp"
#include "daiban/catalogue/boundaries.hpp"
#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/catalogue/catalogue_service.hpp"
#include "daiban/catalogue/pg/pg_boundary_store.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/catalogue/pg/pg_catalogue_store.hpp"
#include "daiban/cli/seed_history.hpp"
#include "daiban/cli/simulate.hpp"
#include "daiban/db/migrator.hpp"
#include "daiban/dispatch/live/dispatch_keys.hpp"
#include "daiban/dispatch/pg/pg_dispatch_store.hpp"
#include "daiban/kernel/csv.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/file.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/runtime/service_host.hpp"
#include "daiban/tracking/pg/pg_delivery_store.hpp"

namespace daiban::cli {

namespace {

constexpr const char* kUsage = R"(usage: daibanctl COMMAND [ARGS]

commands:
  migrate                 apply the pending database migrations of this build
  migrate status          print the database's and this build's schema versions
  import DIR              import the catalogue CSV files found in DIR (regions.csv,
                          departments.csv, items.csv, materials.csv, bundles.csv,
                          bundle_steps.csv) as one transaction
  calendar load FILE      load a holiday calendar CSV (date,kind,name) for its years
  boundaries import FILE  replace the district boundaries with a GeoJSON FeatureCollection
                          (MultiPolygon features, WGS-84 [lng, lat], property code = a
                          district of the catalogue); checked whole before anything is written
  user add --role ROLE --name NAME --phone PHONE --password PASSWORD
           [--region CODE] [--department CODE] [--if-missing]
                          add a staff account (roles: window, supervisor, admin, agent,
                          courier); --if-missing succeeds quietly when the phone exists
  apikey add --name NAME [--key KEY] [--if-missing]
                          register an Open311 client; without --key a random key is made
                          and printed once (only its SHA-256 hash is stored); --if-missing
                          succeeds quietly when the key exists
  agent import FILE --password PASSWORD
                          add or update the agents of a CSV file (name, phone, regions,
                          departments, capacity, on_duty, hours, lat, lng; see README.md);
                          new accounts get PASSWORD
  agent set --phone PHONE --regions CODE[,CODE…] [--departments CODE,…|all]
           [--capacity N] [--on-duty yes|no] [--hours office|always]
                          make an agent account dispatchable, or change it
  courier import FILE --password PASSWORD
                          add or update the couriers of a CSV file (name, phone, company,
                          vehicle, capacity, on_duty, regions, lat, lng: the depot); new
                          accounts get PASSWORD
  seed-history --cases N --days D [--seed S] [--until YYYY-MM-DD] [--fixes-per-day K] [--jobs J]
                          fill the database with a consistent history of N cases arriving on
                          the working days of the D days up to --until (default today), with
                          their timelines, offers, photos, deliveries, ratings, follow-ups and
                          K location fixes per agent and courier per day for the last 14 days
                          (default 480); one transaction per day: a second run writes only the
                          days still missing; the same seed and dates give the same rows
  simulate SCENARIO [--agents D=±N]… [--couriers D=±N]… [--arrivals xF] [--agents-factor F]
           [--speed N] [--max-wall-s S] [--out DIR] [--build] [--publish [--title T]]
                          play a scenario (a file, or a name in sim/scenarios/) on a stack of
                          its own through sim/run.sh (DAIBAN_SIM_DIR, else the sim/ beside this
                          build; --build rebuilds first); --publish then publishes the report
  publish-simulation DIR [--title T] [--url URL] [--phone P] [--password PW]
                          publish a played day (DIR/summary.json, DIR/report.html) to the
                          running system at URL (DAIBAN_URL, default http://127.0.0.1:8080) as
                          the administrator P (DAIBAN_ADMIN_PHONE, DAIBAN_ADMIN_PASSWORD);
                          the same run published again answers its first publication
  rebuild                 mark Redis's dispatch state stale: the elected dispatch worker rebuilds
                          every queue, load and offer from PostgreSQL within a second
  help                    this text

The database is DAIBAN_PG_URL (default postgresql://daiban@127.0.0.1:15432/daiban).
)";

using Args = std::vector<std::string>;

int Migrate(const Args& args, std::ostream& out, const kernel::Env& env) {
  db::PgPool pool(runtime::LoadPgOptions(env));
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
  out << "database schema version " << report.database_version << " (" << report.applied.size()
      << " applied now)\n";
  return 0;
}

using kernel::ReadFile;

// --name value pairs (and bare flags listed in `flags`).
std::map<std::string, std::string> Options(const Args& args,
                                           const std::vector<std::string>& flags) {
  std::map<std::string, std::string> options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      options[name] = "yes";
    } else if (i + 1 < args.size()) {
      options[name] = args[++i];
    } else {
      throw std::invalid_argument(arg + " needs a value");
    }
  }
  return options;
}

int Import(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.size() != 1) throw std::invalid_argument("usage: daibanctl import DIR");
  std::filesystem::path dir = args[0];
  if (!std::filesystem::is_directory(dir)) {
    throw std::invalid_argument(dir.string() + " is not a directory");
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& name : catalogue::CatalogueFileNames()) {
    if (std::filesystem::exists(dir / name)) files.emplace_back(name, ReadFile(dir / name));
  }
  if (files.empty()) throw std::invalid_argument("no catalogue files in " + dir.string());
  db::PgPool pool(runtime::LoadPgOptions(env));
  catalogue::PgCatalogueStore store(pool);
  kernel::SystemClock clock;
  catalogue::CatalogueService(store, clock).Import(files);
  out << "imported";
  for (const auto& [name, text] : files) out << " " << name;
  out << " from " << dir.string() << "\n";
  return 0;
}

int Calendar(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.size() != 2 || args[0] != "load") {
    throw std::invalid_argument("usage: daibanctl calendar load FILE");
  }
  std::filesystem::path file = args[1];
  db::PgPool pool(runtime::LoadPgOptions(env));
  catalogue::PgCalendarStore store(pool);
  kernel::SystemClock clock;
  catalogue::CalendarService calendar(store, clock, cases::OfficeHours{});
  calendar.Load(file.filename().string(), ReadFile(file));
  out << "loaded " << file.filename().string() << "\n";
  return 0;
}

int Boundaries(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.size() != 2 || args[0] != "import") {
    throw std::invalid_argument("usage: daibanctl boundaries import FILE");
  }
  std::filesystem::path file = args[1];
  std::string text = ReadFile(file);
  db::PgPool pool(runtime::LoadPgOptions(env));
  catalogue::PgBoundaryStore boundaries(pool);
  catalogue::PgCatalogueStore regions(pool);
  auto imported = catalogue::BoundaryService(boundaries, regions).Import(text);
  out << "imported " << imported.size() << " district boundaries from " << file.filename().string()
      << "\n";
  return 0;
}

int User(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.empty() || args[0] != "add") {
    throw std::invalid_argument("usage: daibanctl user add --role ROLE --name NAME ...");
  }
  auto options = Options(Args(args.begin() + 1, args.end()), {"if-missing"});
  auto require = [&](const std::string& name) {
    auto it = options.find(name);
    if (it == options.end()) throw std::invalid_argument("--" + name + " is required");
    return it->second;
  };
  auto role = kernel::ParseStaffRole(require("role"));
  if (!role)
    throw std::invalid_argument("--role must be window, supervisor, admin, agent or courier");
  accounts::NewUser user{*role,
                         require("name"),
                         require("phone"),
                         require("password"),
                         options["region"],
                         options["department"]};
  db::PgPool pool(runtime::LoadPgOptions(env));
  db::RedisPool redis(runtime::LoadRedisOptions(env));
  accounts::PgAccountStore accounts(pool);
  if (options.count("if-missing") && accounts.FindByPhone(user.phone)) {
    out << "exists " << user.phone << "\n";
    return 0;
  }
  kernel::SystemClock clock;
  kernel::RandomIdGenerator ids;
  accounts::RedisAuthState auth_state(redis);
  accounts::AuthService auth(accounts, auth_state, auth_state, clock, ids);
  auto id = auth.AddUser(user);
  out << "added user " << id << " (" << accounts::ToWord(user.role) << ")\n";
  return 0;
}

int ApiKey(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.empty() || args[0] != "add") {
    throw std::invalid_argument(
        "usage: daibanctl apikey add --name NAME [--key KEY] [--if-missing]");
  }
  auto options = Options(Args(args.begin() + 1, args.end()), {"if-missing"});
  std::string name = options["name"];
  if (name.empty()) throw std::invalid_argument("--name is required");
  std::string key = options["key"];
  const bool generated = key.empty();
  // 16 random bytes: a key nobody guesses, printable in a shell.
  if (generated) key = kernel::RandomIdGenerator().HexId(16);
  if (key.size() < 16 || key.size() > 128 ||
      !std::all_of(key.begin(), key.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; })) {
    throw std::invalid_argument("--key must be 16..128 printable ASCII characters, no spaces");
  }
  db::PgPool pool(runtime::LoadPgOptions(env));
  accounts::PgApiKeyStore keys(pool);
  auto id = keys.AddKey(name, accounts::TokenHash(key));
  if (!id) {
    if (options.count("if-missing")) {
      out << "exists api key " << name << "\n";
      return 0;
    }
    throw kernel::Conflict("api_key_exists", "this key is registered already");
  }
  out << "added api key " << *id << " (" << name << ")\n";
  if (generated) out << "key: " << key << "  (shown once: only its hash is stored)\n";
  return 0;
}

// Shifts as stored: Monday first, "HH:MM-HH:MM" or empty.
std::array<std::string, 7> Hours(const std::string& word) {
  std::array<std::string, 7> hours{};
  if (word == "always") {
    hours.fill("00:00-24:00");
  } else if (word == "office" || word.empty()) {
    for (std::size_t d = 0; d < 5; ++d) hours[d] = "09:00-17:00";
  } else {
    throw std::invalid_argument("hours must be office or always");
  }
  return hours;
}

std::vector<std::string> SplitList(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// "all" stands for every department of the catalogue.
std::vector<std::string> Departments(db::PgPool& pool, const std::string& text, char separator) {
  if (text != "all") return SplitList(text, separator);
  std::vector<std::string> all;
  catalogue::PgCatalogueStore catalogue(pool);
  for (const auto& d : catalogue.Departments()) all.push_back(d.code);
  return all;
}

// The account of a phone-account CSV row (agents, couriers): the existing one, which must have
// `role`, or a new one named by the row, in the first of its regions, with the file's password
// hash. Counts it in `added` or `updated`.
std::int64_t RowAccount(accounts::PgAccountStore& accounts, const kernel::CsvTable& table,
                        const kernel::CsvRow& row, accounts::Role role, const std::string& hash,
                        int& added, int& updated) {
  auto field = [&](const std::string& name) { return table.Field(row, name); };
  if (!cases::IsMobilePhone(field("phone")))
    throw table.ErrorAt(row, "phone", "not a mobile number");
  auto regions = SplitList(field("regions"), '|');
  if (regions.empty()) throw table.ErrorAt(row, "regions", "required");
  if (auto user = accounts.FindByPhone(field("phone"))) {
    if (user->principal.role != role) {
      throw table.ErrorAt(row, "phone", "the account exists with another role");
    }
    ++updated;
    return user->principal.user_id;
  }
  ++added;
  return accounts.AddUser({role, field("name"), field("phone"), "", regions[0], ""}, hash);
}

int Agent(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.empty() || (args[0] != "import" && args[0] != "set")) {
    throw std::invalid_argument(
        "usage: daibanctl agent import FILE --password PASSWORD | agent set ...");
  }
  db::PgPool pool(runtime::LoadPgOptions(env));
  accounts::PgAccountStore accounts(pool);
  dispatch::PgDispatchStore store(pool);
  if (args[0] == "set") {
    auto options = Options(Args(args.begin() + 1, args.end()), {});
    auto user = accounts.FindByPhone(options["phone"]);
    if (!user || user->principal.role != accounts::Role::kAgent) {
      throw std::invalid_argument("no agent account with phone '" + options["phone"] + "'");
    }
    dispatch::AgentSettings settings;
    settings.user_id = user->principal.user_id;
    settings.regions = SplitList(options["regions"], ',');
    if (settings.regions.empty()) throw std::invalid_argument("--regions is required");
    settings.departments =
        Departments(pool, options.count("departments") ? options["departments"] : "all", ',');
    settings.capacity = options.count("capacity") ? std::stoi(options["capacity"]) : 5;
    settings.on_duty = options["on-duty"] == "yes";
    settings.hours = Hours(options["hours"]);
    store.SaveAgent(settings);
    out << "agent " << settings.user_id << " saved\n";
    return 0;
  }
  if (args.size() < 2)
    throw std::invalid_argument("usage: daibanctl agent import FILE --password PASSWORD");
  auto options = Options(Args(args.begin() + 2, args.end()), {});
  if (options["password"].size() < 8)
    throw std::invalid_argument("--password (8+ characters) is required");
  auto table = std::make_shared<const kernel::CsvTable>(kernel::CsvTable::Parse(
      std::filesystem::path(args[1]).filename().string(), ReadFile(args[1])));
  table->RequireColumns(
      {"name", "phone", "regions", "departments", "capacity", "on_duty", "hours", "lat", "lng"},
      false);
  // One Argon2id hash serves every new account of the file: they share the password given.
  const std::string hash = accounts::HashPassword(options["password"]);
  int added = 0, updated = 0;
  for (const auto& row : table->Rows()) {
    auto field = [&](const std::string& name) { return table->Field(row, name); };
    auto regions = SplitList(field("regions"), '|');
    const std::int64_t id =
        RowAccount(accounts, *table, row, accounts::Role::kAgent, hash, added, updated);
    dispatch::AgentSettings settings;
    settings.user_id = id;
    settings.regions = regions;
    settings.departments = Departments(pool, field("departments"), '|');
    settings.capacity = std::stoi(field("capacity"));
    settings.on_duty = field("on_duty") == "yes";
    settings.hours = Hours(field("hours"));
    store.SaveAgent(settings);
    if (!field("lat").empty() && !field("lng").empty()) {
      pool.Transact([&](pqxx::dbtransaction& tx) {
        tx.exec_params("UPDATE agents SET last_lat = $2, last_lng = $3 WHERE user_id = $1", id,
                       kernel::ParseCoordinateText(field("lat"), "lat", kernel::kMaxLatitude),
                       kernel::ParseCoordinateText(field("lng"), "lng", kernel::kMaxLongitude));
      });
    }
  }
  out << "agents: " << added << " added, " << updated << " updated\n";
  return 0;
}

int Courier(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.size() < 2 || args[0] != "import") {
    throw std::invalid_argument("usage: daibanctl courier import FILE --password PASSWORD");
  }
  auto options = Options(Args(args.begin() + 2, args.end()), {});
  if (options["password"].size() < 8)
    throw std::invalid_argument("--password (8+ characters) is required");
  db::PgPool pool(runtime::LoadPgOptions(env));
  accounts::PgAccountStore accounts(pool);
  tracking::PgDeliveryStore store(pool);
  auto table = std::make_shared<const kernel::CsvTable>(kernel::CsvTable::Parse(
      std::filesystem::path(args[1]).filename().string(), ReadFile(args[1])));
  table->RequireColumns(
      {"name", "phone", "company", "vehicle", "capacity", "on_duty", "regions", "lat", "lng"},
      false);
  const std::string hash = accounts::HashPassword(options["password"]);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  int added = 0, updated = 0;
  for (const auto& row : table->Rows()) {
    auto field = [&](const std::string& name) { return table->Field(row, name); };
    auto regions = SplitList(field("regions"), '|');
    const std::int64_t id =
        RowAccount(accounts, *table, row, accounts::Role::kCourier, hash, added, updated);
    tracking::CourierSettings settings;
    settings.user_id = id;
    settings.company = field("company");
    settings.vehicle = field("vehicle");
    settings.capacity = std::stoi(field("capacity"));
    settings.on_duty = field("on_duty") == "yes";
    settings.base = {kernel::ParseCoordinateText(field("lat"), "lat", kernel::kMaxLatitude),
                     kernel::ParseCoordinateText(field("lng"), "lng", kernel::kMaxLongitude)};
    settings.regions = regions;
    store.SaveCourier(settings, now);
  }
  out << "couriers: " << added << " added, " << updated << " updated\n";
  return 0;
}

// Rebuilding runs in the dispatch worker, under its advisory lock: a rebuild racing the live
// assigner could lose its writes. The CLI only tells it to.
int Rebuild(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (!args.empty()) throw std::invalid_argument("usage: daibanctl rebuild");
  db::RedisPool redis(runtime::LoadRedisOptions(env));
  redis.Command({"DEL", dispatch::BuiltKey()});
  out << "dispatch live state marked stale; the dispatch service rebuilds it from PostgreSQL\n";
  return 0;
}

int SeedHistoryCommand(const Args& args, std::ostream& out, const kernel::Env& env) {
  auto options = Options(args, {});
  auto number = [&](const std::string& name, std::int64_t fallback) -> std::int64_t {
    auto it = options.find(name);
    if (it == options.end()) {
      if (fallback < 0) throw std::invalid_argument("--" + name + " is required");
      return fallback;
    }
    std::int64_t value = 0;
    auto [end, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
    if (ec != std::errc() || end != it->second.data() + it->second.size() || value < 0) {
      throw std::invalid_argument("--" + name + " must be a non-negative whole number");
    }
    return value;
  };
  for (const auto& [name, value] : options) {
    if (name != "cases" && name != "days" && name != "seed" && name != "until" &&
        name != "fixes-per-day" && name != "jobs") {
      throw std::invalid_argument("unknown option --" + name);
    }
  }
  HistoryRequest request;
  request.cases = number("cases", -1);
  const auto days = number("days", -1);
  if (days < 1 || days > 3660) throw std::invalid_argument("--days must be 1..3660");
  request.days = static_cast<int>(days);
  request.seed = static_cast<std::uint64_t>(number("seed", 1));
  request.fixes_per_day =
      static_cast<int>(std::min<std::int64_t>(number("fixes-per-day", 480), 8640));
  request.jobs = static_cast<int>(number("jobs", 1));
  if (request.jobs < 1 || request.jobs > 16) throw std::invalid_argument("--jobs must be 1..16");
  request.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  request.until = cases::ChinaDateOf(request.now);
  if (options.count("until")) {
    auto until = cases::ParseIsoDate(options["until"]);
    if (!until) throw std::invalid_argument("--until must be a date YYYY-MM-DD");
    request.until = *until;
  }
  auto pg = runtime::LoadPgOptions(env);
  // A connection per job, and one to spare for the ids taken between days.
  pg.pool_size = std::max<std::size_t>(pg.pool_size, static_cast<std::size_t>(request.jobs) + 1);
  db::PgPool pool(pg);
  const auto report = SeedHistory(pool, request, out);
  char line[200];
  std::snprintf(line, sizeof line,
                "seed-history: %lld cases, %lld events, %lld fixes in %.1f s (%.0f cases/s); "
                "%d days written, %d already there; %d indexes built in %.1f s\n",
                static_cast<long long>(report.cases), static_cast<long long>(report.events),
                static_cast<long long>(report.fixes), report.seconds,
                report.seconds > 0 ? static_cast<double>(report.cases) / report.seconds : 0.0,
                report.days_written, report.days_skipped, report.indexes_built,
                report.index_seconds);
  out << line;
  return 0;
}

}  // namespace

int RunDaibanctl(const Args& args, std::ostream& out, std::ostream& err, const kernel::Env& env) {
  using Command = std::function<int(const Args&, std::ostream&, const kernel::Env&)>;
  const std::map<std::string, Command> commands = {
      {"migrate", Migrate},
      {"import", Import},
      {"calendar", Calendar},
      {"user", User},
      {"agent", Agent},
      {"courier", Courier},
      {"rebuild", Rebuild},
      {"apikey", ApiKey},
      {"boundaries", Boundaries},
      {"seed-history", SeedHistoryCommand},
      {"simulate", SimulateCommand},
      {"publish-simulation", PublishSimulationCommand}};
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
  } catch (const kernel::CsvError& error) {
    err << "daibanctl " << args[0] << ": " << error.what() << "\nnothing was written\n";
    return 1;
  } catch (const kernel::DependencyUnavailable& error) {
    err << "daibanctl " << args[0] << ": " << error.Dependency()
        << " unavailable: " << error.Detail() << "\n";
    return 1;
  } catch (const kernel::ApiError& error) {
    err << "daibanctl " << args[0] << ": " << (error.Field().empty() ? "" : error.Field() + ": ")
        << error.Message() << "\n";
    return 1;
  } catch (const std::exception& error) {
    err << "daibanctl " << args[0] << ": " << error.what() << "\n";
    return 1;
  }
}

}  // namespace daiban::cli
