#include "daiban/cli/simulate.hpp"

#include <curl/curl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/file.hpp"
#include "daiban/kernel/json.hpp"

namespace daiban::cli {

namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;
using kernel::Json;

struct HttpAnswer {
  long status = 0;
  std::string body;
};

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* sink) {
  static_cast<std::string*>(sink)->append(data, size * count);
  return size * count;
}

// One POST of a JSON body; a transport failure (refused, timed out) throws with curl's reason.
HttpAnswer PostJson(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("cannot start an HTTP client");
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> owned(list, curl_slist_free_all);
  HttpAnswer answer;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(curl.get()) != CURLE_OK) {
    throw std::runtime_error(url + ": " + (error[0] ? error : "the request failed"));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

// The error JSON's message (or the body's start) for a refusal.
std::string Refusal(const HttpAnswer& answer) {
  auto body = Json::parse(answer.body, nullptr, false);
  std::string text = answer.body.substr(0, 200);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& e = body["error"];
    text = (e.contains("field") && e["field"].is_string() ? e["field"].get<std::string>() + ": "
                                                          : "") +
           e.value("message", "");
  }
  return "HTTP " + std::to_string(answer.status) + " " + text;
}

struct Target {
  std::string url;
  std::string phone;
  std::string password;
  std::string title;
};

std::string Option(const std::map<std::string, std::string>& options, const std::string& name,
                   const kernel::Env& env, const std::string& variable,
                   const std::string& fallback) {
  auto it = options.find(name);
  if (it != options.end()) return it->second;
  return env.String(variable, fallback);
}

// The URL, the administrator's credentials and the title: options first, else the
// environment (DAIBAN_URL, DAIBAN_ADMIN_PHONE, DAIBAN_ADMIN_PASSWORD), so a password need not
// be on the command line.
Target TargetOf(const std::map<std::string, std::string>& options, const kernel::Env& env) {
  Target t;
  t.url = Option(options, "url", env, "DAIBAN_URL", "http://127.0.0.1:8080");
  while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
  t.phone = Option(options, "phone", env, "DAIBAN_ADMIN_PHONE", "");
  t.password = Option(options, "password", env, "DAIBAN_ADMIN_PASSWORD", "");
  if (t.phone.empty() || t.password.empty()) {
    throw std::invalid_argument(
        "the administrator's --phone and --password (or DAIBAN_ADMIN_PHONE and "
        "DAIBAN_ADMIN_PASSWORD) are required to publish");
  }
  auto title = options.find("title");
  if (title != options.end()) t.title = title->second;
  return t;
}

// "jinan-day 2026-03-03" and the what-if changes, when the caller gave no title.
std::string DefaultTitle(const Json& summary) {
  std::string title = summary.value("scenario", std::string("simulation")) + " " +
                      summary.value("day", std::string());
  if (summary.contains("changes") && summary["changes"].is_object() &&
      !summary["changes"].empty()) {
    title += " what-if " + summary["changes"].dump();
  }
  return title;
}

int Publish(const fs::path& dir, const Target& target, std::ostream& out) {
  const auto summary_text = kernel::ReadFile((dir / "summary.json").string());
  auto summary = Json::parse(summary_text, nullptr, false);
  if (!summary.is_object()) {
    throw std::invalid_argument((dir / "summary.json").string() + " is not a JSON object");
  }
  const auto html = kernel::ReadFile((dir / "report.html").string());
  Json publication = {{"title", target.title.empty() ? DefaultTitle(summary) : target.title},
                      {"summary", summary},
                      {"html", html}};
  const std::string body = kernel::DumpJson(publication);

  auto login = PostJson(target.url + "/api/v1/auth/login",
                        Json{{"phone", target.phone}, {"password", target.password}}.dump(), {});
  if (login.status != 200) throw std::runtime_error("signing in: " + Refusal(login));
  const auto token = Json::parse(login.body).at("token").get<std::string>();
  const std::string bearer = "Authorization: Bearer " + token;
  // The same run published again gets its first publication back instead of a copy.
  const std::string key = "publish-simulation-" + kernel::Sha256Hex(body).substr(0, 40);
  auto published = PostJson(target.url + "/api/v1/simulations/reports", body,
                            {bearer, "Idempotency-Key: " + key});
  PostJson(target.url + "/api/v1/auth/logout", "{}", {bearer});
  if (published.status != 201) throw std::runtime_error("publishing: " + Refusal(published));
  auto report = Json::parse(published.body);
  out << "published simulation report " << report.at("id").get<std::int64_t>() << ": "
      << report.at("title").get<std::string>() << " (" << target.url << "/console/#/simulations/"
      << report.at("id").get<std::int64_t>() << ")\n";
  return 0;
}

// --name value pairs from `from` on: `known` take a value, `flags` none; anything else is a
// usage error.
std::map<std::string, std::string> ParseOptions(const Args& args, std::size_t from,
                                                const std::vector<std::string>& known,
                                                const std::vector<std::string>& flags) {
  std::map<std::string, std::string> options;
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + arg + "'");
    const std::string name = arg.substr(2);
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      options[name] = "yes";
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw std::invalid_argument("unknown option " + arg);
    }
    if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
    options[name] = args[++i];
  }
  return options;
}

// The simulator's folder: DAIBAN_SIM_DIR, else sim/ of the checkout whose build this
// executable is (build/cli/daibanctl), else ../share/daiban/sim beside an installed one.
fs::path SimDir(const kernel::Env& env) {
  auto set = env.String("DAIBAN_SIM_DIR", "");
  std::vector<fs::path> candidates;
  if (!set.empty()) {
    candidates.push_back(set);
  } else {
    std::error_code ec;
    auto self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      auto bin = self.parent_path();
      candidates = {bin / "../../sim", bin / "../sim", bin / "../share/daiban/sim"};
    }
  }
  for (const auto& dir : candidates) {
    if (fs::exists(dir / "run.sh")) return fs::weakly_canonical(dir);
  }
  throw std::invalid_argument(
      set.empty() ? "cannot find the simulator (sim/run.sh) beside this build: set DAIBAN_SIM_DIR"
                  : "DAIBAN_SIM_DIR " + set + " has no run.sh");
}

// Runs `argv` in the foreground, its output going where ours goes; its exit code.
int Run(const std::vector<std::string>& argv) {
  std::vector<char*> raw;
  for (const auto& a : argv) raw.push_back(const_cast<char*>(a.c_str()));
  raw.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("cannot start " + argv[0]);
  if (child == 0) {
    execvp(raw[0], raw.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("lost " + argv[0]);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const std::vector<std::string> kTargetOptions = {"title", "url", "phone", "password"};

}  // namespace

int PublishSimulationCommand(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    throw std::invalid_argument(
        "usage: daibanctl publish-simulation DIR [--title T] [--url URL] [--phone P] "
        "[--password PW]");
  }
  auto options = ParseOptions(args, 1, kTargetOptions, {});
  return Publish(args[0], TargetOf(options, env), out);
}

int SimulateCommand(const Args& args, std::ostream& out, const kernel::Env& env) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    throw std::invalid_argument(
        "usage: daibanctl simulate SCENARIO [--agents D=±N]… [--couriers D=±N]… [--arrivals xF] "
        "[--agents-factor F] [--speed N] [--max-wall-s S] [--out DIR] [--build] [--publish "
        "[--title T] [--url URL] [--phone P] [--password PW]]");
  }
  const auto sim = SimDir(env);
  fs::path scenario = args[0];
  if (!fs::exists(scenario)) scenario = sim / "scenarios" / (args[0] + ".json");
  if (!fs::exists(scenario)) {
    throw std::invalid_argument("no scenario " + args[0] + " (a file, or a name in " +
                                (sim / "scenarios").string() + ")");
  }
  // The what-if flags and run settings go to run.sh as given (repeatable ones in order).
  Args what_if;
  Args rest;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& arg = args[i];
    if ((arg == "--agents" || arg == "--couriers") && i + 1 < args.size()) {
      what_if.push_back(arg);
      what_if.push_back(args[++i]);
    } else {
      rest.push_back(arg);
    }
  }
  auto options = ParseOptions(rest, 0,
                              {"arrivals", "agents-factor", "speed", "max-wall-s", "out", "title",
                               "url", "phone", "password"},
                              {"publish", "build"});
  const bool publish = options.count("publish") > 0;
  std::optional<Target> target;
  if (publish) target = TargetOf(options, env);  // refused before the run, not after it
  const fs::path out_dir = options.count("out")
                               ? fs::absolute(options["out"])
                               : sim.parent_path() / "build" / "simulation" / scenario.stem();
  std::vector<std::string> argv = {"bash",       (sim / "run.sh").string(),
                                   "--scenario", fs::absolute(scenario).string(),
                                   "--out",      out_dir.string()};
  if (!options.count("build")) argv.push_back("--no-build");
  argv.insert(argv.end(), what_if.begin(), what_if.end());
  for (const char* name : {"arrivals", "agents-factor", "speed", "max-wall-s"}) {
    if (options.count(name)) {
      argv.push_back(std::string("--") + name);
      argv.push_back(options[name]);
    }
  }
  out.flush();
  const int status = Run(argv);
  out << "simulation report: " << (out_dir / "report.html").string() << " (exit " << status
      << ")\n";
  if (!publish) return status == 0 ? 0 : 1;
  if (!fs::exists(out_dir / "summary.json") || !fs::exists(out_dir / "report.html")) {
    throw std::runtime_error("the simulation wrote no report to publish");
  }
  // A day that did not end cleanly is published too (its report says what went wrong); the
  // exit code still tells.
  Publish(out_dir, *target, out);
  return status == 0 ? 0 : 1;
}

}  // namespace daiban::cli
