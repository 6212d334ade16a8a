#include "daiban/cli/seed_history.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daiban/cases/case_clock.hpp"
#include "daiban/cases/case_service.hpp"
#include "daiban/cases/tracking_number.hpp"
#include "daiban/cases/working_calendar.hpp"
#include "daiban/catalogue/pg/pg_calendar_store.hpp"
#include "daiban/db/array_literal.hpp"
#include "daiban/db/pg_pool.hpp"

namespace daiban::cli {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

// Every generated case opens with this access code, so a benchmark can read the applicant's
// view of any of them (its SHA-256 is stored, as for a real case).
constexpr const char* kAccessCode = "SEEDDATA";

// --- What the history is drawn from: the catalogue and the staff in the database ---------------

struct Material {
  int seq = 0;
  std::string name;
  bool essential = false;
};

struct Item {
  std::string code, name, department_code;
  int committed_days = 0;
  std::vector<std::string> modes;
  bool express = false, window = false;
  std::vector<Material> materials;
  std::vector<std::string> regions;  // streets (or districts) within its department's region
};

struct Department {
  std::string name, hall_name, hall_address, region_code;
  double lat = 0, lng = 0;
};

struct Region {
  std::string name, level, parent;
  double lat = 36.65, lng = 117.0;
};

struct Person {
  std::int64_t id = 0;
  std::string name;
  std::set<std::string> regions;  // coverage, subtrees expanded
  double lat = 36.65, lng = 117.0;
};

struct World {
  std::vector<Item> items;
  std::map<std::string, Department> departments;
  std::map<std::string, Region> regions;
  std::vector<Person> agents, couriers;
  Person window, supervisor;
  std::optional<cases::WorkingCalendar> calendar;
};

std::vector<std::string> PgArray(const std::string& text) {
  // {a,b,c} of plain words (modes, delivery options): no quoting to undo.
  std::vector<std::string> words;
  std::string word;
  for (char ch : text) {
    if (ch == '{' || ch == '}' || ch == ',') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += ch;
    }
  }
  return words;
}

bool Within(const World& world, std::string code, const std::string& root) {
  while (!code.empty()) {
    if (code == root) return true;
    auto it = world.regions.find(code);
    if (it == world.regions.end()) return false;
    code = it->second.parent;
  }
  return false;
}

World LoadWorld(db::PgPool& pool) {
  World world;
  pool.Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec("SELECT code, name, level, coalesce(parent_code, ''), "
                                 "coalesce(center_lat, 36.65), coalesce(center_lng, 117.0) "
                                 "FROM regions")) {
      world.regions[r[0].c_str()] = {r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].as<double>(),
                                     r[5].as<double>()};
    }
    for (const auto& r : tx.exec("SELECT code, name, hall_name, hall_address, region_code, "
                                 "hall_lat, hall_lng FROM departments")) {
      world.departments[r[0].c_str()] = {r[1].c_str(), r[2].c_str(),      r[3].c_str(),
                                         r[4].c_str(), r[5].as<double>(), r[6].as<double>()};
    }
    std::map<std::string, std::vector<Material>> materials;
    for (const auto& r :
         tx.exec("SELECT item_code, seq, name, essential FROM materials ORDER BY item_code, seq")) {
      materials[r[0].c_str()].push_back({r[1].as<int>(), r[2].c_str(), r[3].as<bool>()});
    }
    for (const auto& r : tx.exec("SELECT code, name, department_code, committed_days, modes, "
                                 "delivery_options FROM items WHERE retired_at IS NULL "
                                 "ORDER BY code")) {
      Item item;
      item.code = r[0].c_str();
      item.name = r[1].c_str();
      item.department_code = r[2].c_str();
      item.committed_days = r[3].as<int>();
      item.modes = PgArray(r[4].c_str());
      for (const auto& option : PgArray(r[5].c_str())) {
        item.express = item.express || option == "express";
        item.window = item.window || option == "window";
      }
      item.materials = materials[item.code];
      world.items.push_back(std::move(item));
    }
    auto people = [&](const std::string& sql, std::vector<Person>& out) {
      std::map<std::int64_t, std::size_t> index;
      for (const auto& r : tx.exec(sql)) {
        const auto id = r[0].as<std::int64_t>();
        if (!index.count(id)) {
          index[id] = out.size();
          out.push_back({id, r[1].c_str(), {}, r[3].as<double>(), r[4].as<double>()});
        }
        if (!r[2].is_null()) out[index[id]].regions.insert(r[2].c_str());
      }
    };
    people(
        "SELECT a.user_id, u.name, ar.region_code, coalesce(a.last_lat, 36.65), "
        "coalesce(a.last_lng, 117.0) FROM agents a JOIN users u ON u.id = a.user_id "
        "LEFT JOIN agent_regions ar ON ar.agent_id = a.user_id WHERE u.active ORDER BY a.user_id",
        world.agents);
    people(
        "SELECT k.user_id, u.name, cr.region_code, k.base_lat, k.base_lng FROM couriers k "
        "JOIN users u ON u.id = k.user_id LEFT JOIN courier_regions cr ON "
        "cr.courier_id = k.user_id WHERE u.active ORDER BY k.user_id",
        world.couriers);
    auto first = [&](const std::string& role, Person& out) {
      auto rows = tx.exec_params(
          "SELECT id, name FROM users WHERE role = $1 AND active ORDER BY id LIMIT 1", role);
      if (!rows.empty()) out = {rows[0][0].as<std::int64_t>(), rows[0][1].c_str(), {}, 0, 0};
    };
    first("window", world.window);
    first("supervisor", world.supervisor);
  });
  if (world.items.empty()) throw std::invalid_argument("the catalogue has no items: import one");
  if (world.agents.empty() || world.couriers.empty()) {
    throw std::invalid_argument("the history needs at least one agent and one courier");
  }
  // Where each item may be asked for: the streets within its department's region.
  for (auto& item : world.items) {
    const auto& root = world.departments.at(item.department_code).region_code;
    for (const auto& [code, region] : world.regions) {
      if (region.level == "street" && Within(world, code, root)) item.regions.push_back(code);
    }
    if (item.regions.empty()) item.regions.push_back(root);
  }
  std::erase_if(world.items, [](const Item& item) { return item.modes.empty(); });
  catalogue::PgCalendarStore calendars(pool);
  auto file = calendars.LoadAll();
  world.calendar.emplace(file.entries, file.years);
  return world;
}

// --- One case's life, drawn from the seeded generator
// ----------------------------------------------

struct Event {
  std::string type, from, to, role;
  std::int64_t user = 0;
  std::string actor, reason, data = "{}";
  sys_seconds at;
  std::optional<sys_seconds> device_time;
};

struct Offer {
  std::int64_t agent = 0;
  std::string state, reason;
  sys_seconds offered, expires, answered;
};

struct Attempt {
  std::string outcome, reason;
  sys_seconds at;
};

struct Life {
  std::string tracking, item_code, department_code, region_code, mode;
  int committed_days = 0;
  bool firm = false, express = false;
  std::string name, phone, id_number, address, firm_name, credit_code;
  double lat = 0, lng = 0;
  std::optional<sys_seconds> appointment;
  sys_seconds created;
  std::vector<Event> events;  // in time order, only those that happened by `now`
  std::vector<Offer> offers;
  struct MaterialState {
    Material m;
    std::string status = "provided";
    std::optional<sys_seconds> supplied;
  };
  std::vector<MaterialState> materials;
  // Derived from the kept events.
  std::string state = "submitted", state_before_suspension;
  std::int64_t agent = 0, courier = 0;
  std::optional<sys_seconds> accepted, deadline, at_risk, assigned, last_progress, suspended,
      result_ready, closed;
  bool provisional = false;
  std::string result_reference;
  // The result's delivery leg, if the case got that far by express.
  bool has_delivery = false;
  std::string delivery_state;
  std::optional<sys_seconds> delivery_created, delivery_assigned, picked_up, delivered;
  std::vector<Attempt> attempts;
  std::optional<sys_seconds> photo_at;
  std::optional<std::pair<int, sys_seconds>> rating;
  std::optional<sys_seconds> followup_opened, followup_closed;
};

// Whether the case counts in its agent's open work (agent_open_work, 0029): assigned to an agent
// and assigned, in progress or suspended.
bool IsOpenWork(const Life& life) {
  return life.agent != 0 &&
         (life.state == "assigned" || life.state == "in_progress" || life.state == "suspended");
}

class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  double Unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool Chance(double p) { return Unit() < p; }
  std::int64_t Between(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  seconds Minutes(int lo, int hi) { return minutes(Between(lo, hi)); }
  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[static_cast<std::size_t>(Between(0, static_cast<std::int64_t>(from.size()) - 1))];
  }

 private:
  std::mt19937_64 rng_;
};

std::uint64_t Mix(std::uint64_t a, std::uint64_t b) {
  // splitmix64 of the pair: seeds that differ by one give unrelated streams.
  std::uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E5BULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

const std::vector<std::string> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄",
                                            "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"};
const std::vector<std::string> kGiven = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",
                                         "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"};

// An 18-digit resident ID number of Jinan with a valid check character (GB 11643).
std::string IdNumber(Draw& draw) {
  char body[18];
  std::snprintf(body, sizeof body, "370102%04d%02d%02d%03d",
                static_cast<int>(draw.Between(1950, 2004)), static_cast<int>(draw.Between(1, 12)),
                static_cast<int>(draw.Between(1, 28)), static_cast<int>(draw.Between(0, 999)));
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

// Arrival weight of a working day (Monday busiest) and of each office hour (morning peak, lunch
// dip, afternoon peak), as window queues look.
double DayWeight(sys_days day) {
  static constexpr double kByWeekday[7] = {0.7, 1.25, 1.1, 1.0, 1.0, 0.9, 0.7};  // Sunday first
  return kByWeekday[std::chrono::weekday(day).c_encoding()];
}
constexpr std::array<double, 8> kHourWeights = {1.0, 1.4, 1.2, 0.4, 0.7, 1.2, 1.3, 0.9};  // 9..16

sys_seconds ArrivalMoment(Draw& draw, cases::CivilDate date) {
  double total = 0;
  for (double w : kHourWeights) total += w;
  double pick = draw.Unit() * total;
  int hour = 0;
  while (hour < 7 && pick > kHourWeights[hour]) pick -= kHourWeights[hour++];
  return cases::FromChinaLocal(date, hours(9 + hour) + seconds(draw.Between(0, 3599)));
}

const Person& Covering(Draw& draw, const World& world, const std::vector<Person>& people,
                       const std::string& region) {
  std::vector<const Person*> fit;
  for (const auto& p : people) {
    for (const auto& root : p.regions) {
      if (Within(world, region, root)) {
        fit.push_back(&p);
        break;
      }
    }
  }
  if (fit.empty()) return draw.Pick(people);
  return *fit[static_cast<std::size_t>(draw.Between(0, static_cast<std::int64_t>(fit.size()) - 1))];
}

// Draws case `seq` of `date` and keeps what happened by `now`.
Life DrawLife(const World& world, std::uint64_t seed, cases::CivilDate date, int seq,
              sys_seconds now) {
  Draw draw(Mix(Mix(seed, sys_days(date).time_since_epoch().count()), seq));
  const auto& calendar = *world.calendar;
  Life life;
  const auto day_number = (sys_days(date) - sys_days(std::chrono::year(2000) / 1 / 1)).count();
  life.tracking = cases::TrackingNumberFromRandom(((seed & 0xFFFF) << 34) |
                                                  (static_cast<std::uint64_t>(day_number) << 20) |
                                                  static_cast<std::uint64_t>(seq));
  const Item& item = draw.Pick(world.items);
  life.item_code = item.code;
  life.department_code = item.department_code;
  life.committed_days = item.committed_days;
  life.region_code = draw.Pick(item.regions);
  life.mode = draw.Pick(item.modes);
  life.firm = draw.Chance(0.2);
  life.name =
      draw.Pick(kSurnames) + draw.Pick(kGiven) + (draw.Chance(0.5) ? draw.Pick(kGiven) : "");
  life.phone = "13" + std::to_string(draw.Between(100000000, 999999999));
  life.id_number = IdNumber(draw);
  const auto& region = world.regions.at(life.region_code);
  life.lat = region.lat + (draw.Unit() - 0.5) * 0.02;
  life.lng = region.lng + (draw.Unit() - 0.5) * 0.02;
  life.address = region.name + std::to_string(draw.Between(1, 300)) + "号";
  if (life.firm) {
    life.firm_name = "济南" + draw.Pick(kGiven) + draw.Pick(kGiven) + "商贸有限公司";
    life.credit_code = "91370100MA" + std::to_string(draw.Between(10000000, 99999999));
  }
  life.express = item.express && (!item.window || draw.Chance(0.7));
  life.created = ArrivalMoment(draw, date);
  if (life.mode == "led") life.appointment = life.created + days(1);
  for (const auto& m : item.materials) life.materials.push_back({m, "provided", std::nullopt});

  const auto& agent = Covering(draw, world, world.agents, life.region_code);
  const auto& courier = Covering(draw, world, world.couriers, life.region_code);
  const std::string window_name = world.window.id ? world.window.name : "受理窗口";
  std::vector<Event> all;
  auto add = [&](std::string type, std::string from, std::string to, std::string role,
                 std::int64_t user, std::string actor, std::string reason, std::string data,
                 sys_seconds at, std::optional<sys_seconds> device_time = std::nullopt) {
    all.push_back({std::move(type), std::move(from), std::move(to), std::move(role), user,
                   std::move(actor), std::move(reason), std::move(data), at, device_time});
  };
  add("created", "", "submitted", "applicant", 0, life.name, "",
      R"({"subject":")" + item.code + R"(","mode":")" + life.mode + R"("})", life.created);

  // 1 % withdrawn by the applicant, 2 % refused at the window; the rest accepted (容缺: an
  // optional material may be missing, with a promised date).
  auto t = life.created + draw.Minutes(5, 90);
  if (draw.Chance(0.01)) {
    add("cancel", "submitted", "cancelled", "applicant", 0, life.name, "不再需要", "{}", t);
  } else if (draw.Chance(0.02)) {
    add("reject", "submitted", "rejected", "window", world.window.id, window_name,
        "材料不符合受理条件", "{}", t);
  } else {
    const auto accepted = t;
    add("accept", "submitted", "accepted", "window", world.window.id, window_name, "", "{}", t);
    auto clock = cases::ClockAtAcceptance(calendar, accepted, life.committed_days, 0.25);
    life.provisional = clock.provisional;
    sys_seconds supplied_by = accepted;
    for (auto& m : life.materials) {
      if (!m.m.essential && draw.Chance(0.25)) {
        m.status = "deferred";
        m.supplied = accepted + hours(draw.Between(4, 60));
        supplied_by = std::max(supplied_by, *m.supplied);
        add("material_supplied", "", "", "applicant", 0, life.name, "",
            R"({"seq":)" + std::to_string(m.m.seq) + "}", *m.supplied);
      }
    }
    // Offers: most agents take the first; some decline or let it expire first.
    t += draw.Minutes(1, 10);
    const int tries = draw.Chance(0.7) ? 1 : (draw.Chance(0.67) ? 2 : 3);
    for (int i = 1; i <= tries; ++i) {
      Offer offer{
          i == tries ? agent.id : draw.Pick(world.agents).id, "accepted", "", t, t + minutes(3), t};
      if (i < tries) {
        if (draw.Chance(0.5)) {
          offer.state = "declined";
          offer.reason = "距离太远";
          offer.answered = t + seconds(draw.Between(10, 150));
        } else {
          offer.state = "expired";
          offer.answered = offer.expires;
        }
      } else {
        offer.answered = t + seconds(draw.Between(10, 150));
      }
      t = offer.answered + seconds(5);
      life.offers.push_back(offer);
    }
    add("assign", "accepted", "assigned", "agent", agent.id, agent.name, "", "{}", t);
    t += draw.Minutes(20, 240);
    add("start_progress", "assigned", "in_progress", "agent", agent.id, agent.name, "",
        R"({"kind":"materials_collected"})", t, t - seconds(draw.Between(0, 120)));
    t += draw.Minutes(60, 240);
    add("submitted_to_window", "in_progress", "in_progress", "agent", agent.id, agent.name,
        "已递交窗口", "{}", t, t - seconds(draw.Between(0, 120)));
    life.photo_at = t;
    auto deadline = clock.deadline;
    if (draw.Chance(0.06)) {  // waiting for a third party: the clock stops meanwhile
      const auto stop = t + draw.Minutes(30, 300);
      const auto resume = stop + hours(draw.Between(20, 72));
      add("suspend", "in_progress", "suspended", "agent", agent.id, agent.name, "等待第三方核验",
          "{}", stop, stop - seconds(draw.Between(0, 60)));
      add("resume", "suspended", "in_progress", "agent", agent.id, agent.name, "", "{}", resume,
          resume - seconds(draw.Between(0, 60)));
      clock = cases::ClockAfterSuspension(calendar, clock, stop, resume);
      deadline = clock.deadline;
      t = resume;
    }
    // Most results come well within the committed time; 8 % come late.
    const double share = draw.Chance(0.92) ? 0.2 + 0.75 * draw.Unit() : 1.0 + 0.4 * draw.Unit();
    auto result = accepted + seconds(static_cast<std::int64_t>(
                                 share * static_cast<double>((deadline - accepted).count())));
    result = std::max({result, t + minutes(30), supplied_by + minutes(30)});
    life.result_reference = "R" + life.tracking.substr(2, 8);
    add("result_obtained", "in_progress", "result_ready", "agent", agent.id, agent.name, "",
        R"({"result_reference":")" + life.result_reference + R"("})", result,
        result - seconds(draw.Between(0, 120)));
    sys_seconds done;
    if (life.express) {
      life.delivery_created = result;
      life.delivery_assigned = result + draw.Minutes(5, 60);
      const auto pick = *life.delivery_assigned + draw.Minutes(60, 240);
      add("pick_up", "result_ready", "out_for_delivery", "courier", courier.id, courier.name, "",
          "{}", pick, pick - seconds(draw.Between(0, 60)));
      auto at = pick + draw.Minutes(30, 180);
      if (draw.Chance(0.12)) {
        life.attempts.push_back({"failed", "not_home", at});
        at += hours(draw.Between(18, 30));
      }
      life.attempts.push_back({"delivered", "", at});
      add("deliver", "out_for_delivery", "delivered", "courier", courier.id, courier.name, "", "{}",
          at, at - seconds(draw.Between(0, 60)));
      done = at;
    } else {
      done = result + hours(draw.Between(2, 72));
      add("hand_over", "result_ready", "delivered", "window", world.window.id, window_name, "",
          R"({"recipient":")" + life.name + R"("})", done);
    }
    add("close", "delivered", "closed", "system", 0, "daiban", "handed over", "{}", done);
    if (draw.Chance(0.55)) {
      const double p = draw.Unit();
      const int score = p < 0.6 ? 5 : p < 0.85 ? 4 : p < 0.93 ? 3 : p < 0.97 ? 2 : 1;
      const auto rated = done + minutes(draw.Between(60, 2880));
      add("rated", "closed", "closed", "applicant", 0, life.name, "",
          R"({"score":)" + std::to_string(score) + "}", rated);
      life.rating = {score, rated};
      if (score <= 2) {
        life.followup_opened = rated;
        if (draw.Chance(0.85)) life.followup_closed = rated + hours(draw.Between(2, 40));
      }
    }
    life.agent = agent.id;
    life.courier = courier.id;
    life.deadline = deadline;
    life.at_risk = clock.at_risk_at;
    life.accepted = accepted;
  }

  // What happened by now, in time order; the state and its moments follow from it.
  std::stable_sort(all.begin(), all.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  std::string state = "submitted";
  const auto agent_id = life.agent;
  life.agent = 0;
  std::optional<sys_seconds> deadline = life.deadline, at_risk = life.at_risk;
  life.deadline.reset();
  life.at_risk.reset();
  for (auto& e : all) {
    if (e.at > now) break;
    if (e.type == "material_supplied" || e.type == "rated" || e.type == "submitted_to_window") {
      e.from = e.to = state;  // a note: the state stays
    }
    if (!e.to.empty()) state = e.to;
    if (e.type == "accept") {
      life.deadline = deadline;
      life.at_risk = at_risk;
    } else if (e.type == "assign") {
      life.agent = agent_id;
      life.assigned = e.at;
    } else if (e.type == "suspend") {
      life.suspended = e.at;
      life.state_before_suspension = "in_progress";
    } else if (e.type == "resume") {
      life.suspended.reset();
      life.state_before_suspension.clear();
    } else if (e.type == "result_obtained") {
      life.result_ready = e.at;
      life.has_delivery = life.express;
    } else if (e.type == "close" || e.type == "reject" || e.type == "cancel") {
      life.closed = e.at;
    }
    if (e.role == "agent") life.last_progress = e.at;
    life.events.push_back(e);
  }
  if (life.state_before_suspension.empty() && state == "suspended") {
    life.state_before_suspension = "in_progress";
  }
  life.state = state;
  if (!life.accepted || *life.accepted > now) life.accepted.reset();
  for (auto& m : life.materials) {
    if (m.supplied && *m.supplied <= now) {
      m.status = "supplied";
    } else {
      m.supplied.reset();
    }
  }
  std::erase_if(life.offers, [&](const Offer& o) { return o.answered > now; });
  if (life.photo_at && *life.photo_at > now) life.photo_at.reset();
  if (life.rating && life.rating->second > now) life.rating.reset();
  if (!life.rating) life.followup_opened.reset();
  if (life.followup_closed && *life.followup_closed > now) life.followup_closed.reset();
  if (!life.followup_opened) life.followup_closed.reset();
  if (life.has_delivery) {
    std::erase_if(life.attempts, [&](const Attempt& a) { return a.at > now; });
    life.delivery_state = "pending";
    if (life.delivery_assigned && *life.delivery_assigned <= now) {
      life.delivery_state = "assigned";
    } else {
      life.delivery_assigned.reset();
    }
    if (state == "out_for_delivery" || state == "delivered" || state == "closed") {
      life.delivery_state = "picked_up";
      for (const auto& e : life.events) {
        if (e.type == "pick_up") life.picked_up = e.at;
      }
    }
    if (!life.attempts.empty() && life.attempts.back().outcome == "delivered") {
      life.delivery_state = "delivered";
      life.delivered = life.attempts.back().at;
    }
  }
  return life;
}

// --- Writing: COPY text rows --------------------------------------------------------------------

class CopyRow {
 public:
  CopyRow& Text(const std::string& value) {
    Separate();
    for (char ch : value) {
      switch (ch) {
        case '\\':
          line_ += "\\\\";
          break;
        case '\t':
          line_ += "\\t";
          break;
        case '\n':
          line_ += "\\n";
          break;
        case '\r':
          line_ += "\\r";
          break;
        default:
          line_ += ch;
      }
    }
    return *this;
  }
  CopyRow& Null() {
    Separate();
    line_ += "\\N";
    return *this;
  }
  CopyRow& Int(std::int64_t value) {
    Separate();
    line_ += std::to_string(value);
    return *this;
  }
  CopyRow& Id(std::int64_t value) { return value == 0 ? Null() : Int(value); }
  CopyRow& Real(double value) {
    Separate();
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.7f", value);
    line_ += buffer;
    return *this;
  }
  CopyRow& Bool(bool value) { return Text(value ? "t" : "f"); }
  void Clear() {
    line_.clear();
    first_ = true;
  }
  const std::string& Line() const { return line_; }

 private:
  void Separate() {
    if (!first_) line_ += '\t';
    first_ = false;
  }
  std::string line_;
  bool first_ = true;
};

// A timestamptz literal (UTC) of a moment, for COPY.
std::string TimeText(sys_seconds at) {
  const auto day = std::chrono::floor<days>(at);
  const std::chrono::year_month_day ymd(day);
  const auto rest = (at - day).count();
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02lld:%02lld:%02lld+00",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  return buffer;
}

// One COPY of rows already in COPY's text format. libpqxx 6.4's stream_to keeps its raw-line
// writer private, and escaping every field through its tuple interface costs more than writing
// the rows; tablewriter (deprecated there for its own escaping, unused here) sends a raw line.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class Copy {
 public:
  Copy(pqxx::dbtransaction& tx, const std::string& table, const std::vector<std::string>& columns)
      : writer_(tx, table, columns.begin(), columns.end()) {}
  void Put(const CopyRow& row) {
    writer_.write_raw_line(row.Line());
    ++rows_;
  }
  std::int64_t Finish() {
    writer_.complete();
    return rows_;
  }

 private:
  pqxx::tablewriter writer_;
  std::int64_t rows_ = 0;
};
#pragma GCC diagnostic pop

struct DayCounts {
  std::int64_t cases = 0, events = 0, fixes = 0;
};

std::vector<std::int64_t> Reserve(pqxx::dbtransaction& tx, const std::string& sequence, int n) {
  std::vector<std::int64_t> ids;
  if (n == 0) return ids;
  ids.reserve(static_cast<std::size_t>(n));
  for (const auto& r :
       tx.exec_params("SELECT nextval($1::regclass) FROM generate_series(1, $2)", sequence, n)) {
    ids.push_back(r[0].as<std::int64_t>());
  }
  return ids;
}

// The ids of a day's cases, deliveries and timeline events, drawn from their sequences in day
// order before the day is written, so parallel days get the same ids as one after the other.
struct DayIds {
  std::vector<std::int64_t> cases, deliveries, events;
};

DayIds ReserveDay(db::PgPool& pool, const std::vector<Life>& lives) {
  int deliveries = 0, events = 0;
  for (const auto& life : lives) {
    deliveries += life.has_delivery ? 1 : 0;
    events += static_cast<int>(life.events.size());
  }
  DayIds ids;
  pool.Transact([&](pqxx::dbtransaction& tx) {
    ids.cases = Reserve(tx, "cases_id_seq", static_cast<int>(lives.size()));
    ids.deliveries = Reserve(tx, "deliveries_id_seq", deliveries);
    ids.events = Reserve(tx, "case_events_id_seq", events);
  });
  return ids;
}

DayCounts WriteDay(pqxx::dbtransaction& tx, const World& world, const std::vector<Life>& lives,
                   cases::CivilDate date, const HistoryRequest& request, std::uint64_t day_seed,
                   const DayIds& day_ids);

}  // namespace

namespace {

// Fixes of one user over one day's office hours, a random walk around where they work.
void WriteFixes(Copy& copy, Draw& draw, std::int64_t user, double lat, double lng,
                cases::CivilDate date, int count, sys_seconds now, DayCounts& counts) {
  const auto start = cases::FromChinaLocal(date, hours(9));
  const auto step = seconds(8 * 3600 / std::max(count, 1));
  CopyRow row;
  for (int i = 0; i < count; ++i) {
    const auto device_time = start + step * i;
    const auto received = device_time + seconds(draw.Between(0, 30));
    if (received > now) break;
    lat += (draw.Unit() - 0.5) * 0.001;
    lng += (draw.Unit() - 0.5) * 0.001;
    row.Clear();
    row.Int(user)
        .Real(lat)
        .Real(lng)
        .Real(3 + draw.Unit() * 20)
        .Text(TimeText(device_time))
        .Text(TimeText(received))
        .Text("");
    copy.Put(row);
    ++counts.fixes;
  }
}

// --- Indexes built once, after the load -------------------------------------------------------

// The tables a day's COPYs fill. The locations are left out: their indexes live on each day's
// partition, and only the last fortnight has fixes.
const char* const kFilledTables[] = {
    "cases",      "case_materials",    "case_events", "offers",   "attachments",
    "deliveries", "delivery_attempts", "ratings",     "followups"};

// Drops the secondary indexes of the filled tables when the load asks for at least twice as many
// cases as there are (a second run of the same load, finding its days there, keeps them), to
// build each index once from sorted rows rather than row by row. Measured at 1,000,000 cases it
// sped the first days (a day in ~21 s against ~37 s) but not the whole load (1,245 cases/s against
// 1,273: the later days slowed all the same; bench/history/README.md, "Eighth pass"). Unique and
// constraint indexes stay: they keep the data's rules during the load. Returns how many wait
// to be built, an earlier stopped run's included.
std::size_t DeferIndexes(db::PgPool& pool, std::int64_t cases_to_write, std::ostream& progress) {
  std::size_t waiting = 0;
  std::size_t dropped = 0;
  pool.Transact([&](pqxx::dbtransaction& tx) {
    waiting = tx.exec("SELECT count(*) FROM history_deferred_indexes")[0][0].as<std::size_t>();
    dropped = 0;
    if (waiting > 0) return;  // an earlier run stopped before building them: the load goes on
    const auto present = tx.exec("SELECT count(*) FROM cases")[0][0].as<std::int64_t>();
    if (cases_to_write < std::max<std::int64_t>(2 * present, 1)) return;
    db::ArrayLiteral tables;
    for (const char* table : kFilledTables) tables.Add(table);
    const auto indexes = tx.exec_params(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid) "
        "  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "  JOIN pg_class t ON t.oid = i.indrelid "
        " WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY ($1::text[]) "
        "   AND NOT i.indisunique "
        "   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        " ORDER BY ic.relname",
        tables.Text());
    for (const auto& index : indexes) {
      const auto name = index[0].as<std::string>();
      tx.exec_params("INSERT INTO history_deferred_indexes (name, definition) VALUES ($1, $2)",
                     name, index[1].as<std::string>());
      tx.exec("DROP INDEX " + tx.quote_name(name));
    }
    waiting = dropped = indexes.size();
  });
  if (dropped > 0) {
    progress << "indexes: " << dropped
             << " secondary indexes dropped for the load, built again at its end\n";
  } else if (waiting > 0) {
    progress << "indexes: " << waiting << " still to build from an earlier run\n";
  }
  return waiting;
}

// Builds every deferred index, `jobs` at a time, each in its own transaction with the row that
// kept its definition, so a run that stops here leaves the rest to the next.
int BuildDeferredIndexes(db::PgPool& pool, int jobs, std::ostream& progress) {
  std::vector<std::pair<std::string, std::string>> definitions;
  pool.Read([&](pqxx::transaction_base& tx) {
    definitions.clear();
    for (const auto& row :
         tx.exec("SELECT name, definition FROM history_deferred_indexes ORDER BY name")) {
      definitions.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
    }
  });
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr failure;
  auto work = [&] {
    try {
      for (std::size_t i = next++; i < definitions.size(); i = next++) {
        const auto& [name, definition] = definitions[i];
        const auto started = std::chrono::steady_clock::now();
        pool.Transact([&](pqxx::dbtransaction& tx) {
          // Sorting a million keys in memory instead of in temporary files.
          tx.exec("SET LOCAL maintenance_work_mem = '256MB'");
          tx.exec(definition);
          tx.exec_params("DELETE FROM history_deferred_indexes WHERE name = $1", name);
        });
        const double took =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        char line[160];
        std::snprintf(line, sizeof line, "index %s built in %.1f s", name.c_str(), took);
        std::lock_guard lock(mutex);
        progress << line << std::endl;
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::clamp(jobs, 1, 64); ++j) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
  return static_cast<int>(definitions.size());
}

}  // namespace

HistoryReport SeedHistory(db::PgPool& pool, const HistoryRequest& request, std::ostream& progress) {
  if (request.cases < 1) throw std::invalid_argument("--cases must be at least 1");
  if (request.days < 1 || request.days > 3660)
    throw std::invalid_argument("--days must be 1..3660");
  const auto started = std::chrono::steady_clock::now();
  const World world = LoadWorld(pool);
  const auto& calendar = *world.calendar;

  // The working days of the window and their share of the cases.
  std::vector<cases::CivilDate> dates;
  std::vector<double> weights;
  double total = 0;
  for (int i = request.days - 1; i >= 0; --i) {
    const cases::CivilDate date{sys_days(request.until) - days(i)};
    if (!calendar.IsWorkingDay(date)) continue;
    dates.push_back(date);
    weights.push_back(DayWeight(sys_days(date)));
    total += weights.back();
  }
  if (dates.empty()) throw std::invalid_argument("no working day in the requested window");
  std::vector<std::int64_t> per_day(dates.size());
  std::int64_t given = 0;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    per_day[i] = static_cast<std::int64_t>(static_cast<double>(request.cases) * weights[i] / total);
    given += per_day[i];
  }
  for (std::size_t i = 0; given < request.cases; i = (i + 1) % dates.size(), ++given) ++per_day[i];
  if (*std::max_element(per_day.begin(), per_day.end()) >= (1 << 20)) {
    throw std::invalid_argument("more than 1,048,575 cases on one day: give more --days");
  }

  // Partitions for the days that get fixes are made first, so parallel days never race to make
  // the same one.
  for (const auto& date : dates) {
    if (request.fixes_per_day > 0 &&
        sys_days(date) + days(request.fix_days) >= std::chrono::floor<days>(request.now)) {
      pool.Transact([&](pqxx::dbtransaction& tx) {
        tx.exec_params("SELECT locations_ensure_partition($1::date)", cases::FormatIsoDate(date));
        tx.exec_params("SELECT locations_ensure_partition($1::date + 1)",
                       cases::FormatIsoDate(date));
      });
    }
  }

  const bool deferred = DeferIndexes(pool, request.cases, progress) > 0;

  // Days are drawn and written by `jobs` threads, each day one transaction. Ids are taken in day
  // order (a day waits for the one before it to take its ids, not to be written), so the rows
  // are the same whatever the number of jobs.
  HistoryReport report;
  std::mutex mutex;
  std::condition_variable turn_changed;
  std::size_t turn = 0;  // the day whose ids are taken next
  std::atomic<std::size_t> next_day{0};
  std::exception_ptr failure;
  bool failed = false;
  auto work = [&] {
    for (;;) {
      const std::size_t i = next_day++;
      if (i >= dates.size()) return;
      const auto date = dates[i];
      const auto day_started = std::chrono::steady_clock::now();
      std::vector<Life> lives;
      lives.reserve(static_cast<std::size_t>(per_day[i]));
      for (int seq = 0; seq < per_day[i]; ++seq) {
        // Today's cases that have not arrived yet are left out: the day is written up to now.
        Life life = DrawLife(world, request.seed, date, seq, request.now);
        if (life.created <= request.now) lives.push_back(std::move(life));
      }
      // A day is written whole or not at all, so its first case tells whether it is there.
      auto there = [&](pqxx::transaction_base& tx) {
        return !tx.exec_params("SELECT 1 FROM cases WHERE tracking_number = $1",
                               lives.front().tracking)
                    .empty();
      };
      bool done = false;
      if (!lives.empty()) pool.Read([&](pqxx::transaction_base& tx) { done = there(tx); });
      DayIds ids;
      {
        std::unique_lock lock(mutex);
        turn_changed.wait(lock, [&] { return turn == i || failed; });
        if (failed) return;
      }
      if (!lives.empty() && !done) ids = ReserveDay(pool, lives);
      {
        std::lock_guard lock(mutex);
        ++turn;
      }
      turn_changed.notify_all();
      if (lives.empty()) continue;
      DayCounts counts;
      if (!done) {
        pool.Transact([&](pqxx::dbtransaction& tx) {
          done = there(tx);
          if (done) return;
          counts = WriteDay(tx, world, lives, date, request, Mix(request.seed, i), ids);
        });
      }
      const double took =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - day_started).count();
      std::lock_guard lock(mutex);
      if (done) {
        ++report.days_skipped;
        progress << cases::FormatIsoDate(date) << "  already there (" << per_day[i] << " cases)\n";
      } else {
        ++report.days_written;
        report.cases += counts.cases;
        report.events += counts.events;
        report.fixes += counts.fixes;
        char line[160];
        std::snprintf(line, sizeof line,
                      "%s  %6lld cases %8lld events %8lld fixes  %5.1f s  (%d/%zu days)",
                      cases::FormatIsoDate(date).c_str(), static_cast<long long>(counts.cases),
                      static_cast<long long>(counts.events), static_cast<long long>(counts.fixes),
                      took, report.days_written + report.days_skipped, dates.size());
        progress << line << std::endl;
      }
    }
  };
  auto guarded = [&] {
    try {
      work();
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failed) failure = std::current_exception();
      failed = true;
      turn_changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  const int jobs = std::clamp(request.jobs, 1, 64);
  for (int j = 1; j < jobs; ++j) threads.emplace_back(guarded);
  guarded();
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
  if (deferred) {
    const auto building = std::chrono::steady_clock::now();
    report.indexes_built = BuildDeferredIndexes(pool, request.jobs, progress);
    report.index_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - building).count();
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

namespace {

// What a day's lives share whichever pass writes them: where each life takes its ids from the
// day's reserved ones (its first timeline event and its delivery leg, counted in life order, so
// a life gets the same ids in either pass), and the access code's hash, computed once a day.
struct DayLayout {
  DayLayout(const std::vector<Life>& lives, const DayIds& day_ids)
      : ids(day_ids), code_hash(cases::CaseService::HashAccessCode(kAccessCode)) {
    std::size_t events = 0, deliveries = 0;
    for (const auto& life : lives) {
      first_event.push_back(events);
      delivery.push_back(deliveries);
      events += life.events.size();
      deliveries += life.has_delivery ? 1 : 0;
    }
  }
  const DayIds& ids;
  const std::string code_hash;
  std::vector<std::size_t> first_event, delivery;
};

// Writes the lives `picks` names (indexes into `lives`): their cases, then every row that
// refers to them, one COPY a table.
void WriteLives(pqxx::dbtransaction& tx, const World& world, const std::vector<Life>& lives,
                const std::vector<std::size_t>& picks, const DayLayout& layout,
                std::uint64_t day_seed, DayCounts& counts) {
  const auto& ids = layout.ids.cases;
  CopyRow row;
  {
    Copy copy(tx, "cases",
              {"id",
               "tracking_number",
               "access_code_hash",
               "item_code",
               "mode",
               "region_code",
               "department_code",
               "committed_days",
               "state",
               "state_before_suspension",
               "version",
               "applicant_kind",
               "applicant_name",
               "applicant_phone",
               "applicant_id_number",
               "applicant_address",
               "applicant_lat",
               "applicant_lng",
               "firm_name",
               "firm_credit_code",
               "delivery_method",
               "delivery_address",
               "delivery_lat",
               "delivery_lng",
               "appointment_at",
               "agent_id",
               "result_reference",
               "created_at",
               "accepted_at",
               "deadline_at",
               "at_risk_at",
               "deadline_provisional",
               "suspended_at",
               "result_ready_at",
               "closed_at",
               "updated_at",
               "assigned_at",
               "last_progress_at"});
    for (const std::size_t i : picks) {
      const Life& l = lives[i];
      auto time = [](const std::optional<sys_seconds>& at) {
        return at ? std::optional<std::string>(TimeText(*at)) : std::nullopt;
      };
      auto opt = [&row](const std::optional<std::string>& text) -> CopyRow& {
        return text ? row.Text(*text) : row.Null();
      };
      row.Clear();
      row.Int(ids[i])
          .Text(l.tracking)
          .Text(layout.code_hash)
          .Text(l.item_code)
          .Text(l.mode)
          .Text(l.region_code)
          .Text(l.department_code)
          .Int(l.committed_days)
          .Text(l.state);
      l.state_before_suspension.empty() ? row.Null() : row.Text(l.state_before_suspension);
      row.Int(static_cast<std::int64_t>(l.events.size()))
          .Text(l.firm ? "firm" : "citizen")
          .Text(l.name)
          .Text(l.phone)
          .Text(l.id_number)
          .Text(l.address)
          .Real(l.lat)
          .Real(l.lng);
      l.firm ? row.Text(l.firm_name) : row.Null();
      l.firm ? row.Text(l.credit_code) : row.Null();
      row.Text(l.express ? "express" : "window");
      if (l.express) {
        row.Text(l.address).Real(l.lat).Real(l.lng);
      } else {
        row.Null().Null().Null();
      }
      opt(time(l.appointment));
      row.Id(l.agent);
      l.result_ready ? row.Text(l.result_reference) : row.Null();
      opt(time(l.created));
      opt(time(l.accepted));
      opt(time(l.deadline));
      opt(time(l.at_risk));
      row.Bool(l.provisional);
      opt(time(l.suspended));
      opt(time(l.result_ready));
      opt(time(l.closed));
      opt(time(l.events.empty() ? l.created : l.events.back().at));
      opt(time(l.assigned));
      opt(time(l.last_progress));
      copy.Put(row);
    }
    counts.cases += copy.Finish();
  }
  {
    Copy copy(tx, "case_materials",
              {"case_id", "seq", "item_code", "item_seq", "name", "essential", "status",
               "promised_date", "supplied_at"});
    for (const std::size_t i : picks) {
      for (const auto& m : lives[i].materials) {
        const bool accepted = lives[i].accepted.has_value();
        row.Clear();
        row.Int(ids[i])
            .Int(m.m.seq)
            .Text(lives[i].item_code)
            .Int(m.m.seq)
            .Text(m.m.name)
            .Bool(m.m.essential);
        if (m.status == "provided" || !accepted) {
          row.Text("provided").Null().Null();
        } else {
          row.Text(m.status).Text(
              cases::FormatIsoDate(cases::ChinaDateOf(*lives[i].accepted + days(3))));
          m.supplied ? row.Text(TimeText(*m.supplied)) : row.Null();
        }
        copy.Put(row);
      }
    }
    copy.Finish();
  }
  {
    Copy copy(tx, "case_events",
              {"id", "case_id", "type", "from_state", "to_state", "actor_role", "actor_user_id",
               "actor_name", "at", "device_time", "reason", "data"});
    for (const std::size_t i : picks) {
      std::size_t event = layout.first_event[i];
      for (const auto& e : lives[i].events) {
        row.Clear();
        row.Int(layout.ids.events[event++]).Int(ids[i]).Text(e.type);
        e.from.empty() ? row.Null() : row.Text(e.from);
        e.to.empty() ? row.Null() : row.Text(e.to);
        row.Text(e.role).Id(e.user).Text(e.actor).Text(TimeText(e.at));
        e.device_time ? row.Text(TimeText(*e.device_time)) : row.Null();
        row.Text(e.reason).Text(e.data);
        copy.Put(row);
      }
    }
    counts.events += copy.Finish();
  }
  {
    Copy copy(tx, "offers",
              {"case_id", "agent_id", "state", "offered_at", "expires_at", "answered_at",
               "decline_reason", "recorded_at"});
    for (const std::size_t i : picks) {
      for (const auto& o : lives[i].offers) {
        row.Clear();
        row.Int(ids[i])
            .Int(o.agent)
            .Text(o.state)
            .Text(TimeText(o.offered))
            .Text(TimeText(o.expires))
            .Text(TimeText(o.answered))
            .Text(o.reason)
            .Text(TimeText(o.offered));
        copy.Put(row);
      }
    }
    copy.Finish();
  }
  {
    Copy copy(tx, "attachments",
              {"case_id", "sha256", "content_type", "size_bytes", "width", "height", "uploaded_by",
               "uploaded_at", "device_time", "note"});
    for (const std::size_t i : picks) {
      const Life& l = lives[i];
      if (!l.photo_at || l.agent == 0) continue;
      char sha[65];
      std::snprintf(sha, sizeof sha, "%016llx%016llx%016llx%016llx",
                    static_cast<unsigned long long>(Mix(day_seed, i)),
                    static_cast<unsigned long long>(Mix(day_seed, i + 1)),
                    static_cast<unsigned long long>(Mix(i, day_seed)),
                    static_cast<unsigned long long>(Mix(i + 7, day_seed)));
      row.Clear();
      row.Int(ids[i])
          .Text(sha)
          .Text("image/jpeg")
          .Int(180000 + static_cast<std::int64_t>(i % 90000))
          .Int(1600)
          .Int(1200)
          .Int(l.agent)
          .Text(TimeText(*l.photo_at))
          .Text(TimeText(*l.photo_at - seconds(30)))
          .Text("窗口受理回执");
      copy.Put(row);
    }
    copy.Finish();
  }
  {
    Copy copy(tx, "deliveries",
              {"id",
               "case_id",
               "leg",
               "state",
               "courier_id",
               "region_code",
               "pickup_key",
               "pickup_name",
               "pickup_address",
               "pickup_lat",
               "pickup_lng",
               "dropoff_name",
               "dropoff_address",
               "dropoff_lat",
               "dropoff_lng",
               "window_from",
               "window_to",
               "contents",
               "attempts",
               "created_at",
               "assigned_at",
               "picked_up_at",
               "delivered_at",
               "updated_at"});
    for (const std::size_t i : picks) {
      const Life& l = lives[i];
      if (!l.has_delivery) continue;
      const auto& dept = world.departments.at(l.department_code);
      const bool assigned = l.delivery_state != "pending";
      int failed = 0;
      for (const auto& a : l.attempts) failed += a.outcome == "failed" ? 1 : 0;
      row.Clear();
      row.Int(layout.ids.deliveries[layout.delivery[i]])
          .Int(ids[i])
          .Text("result")
          .Text(l.delivery_state);
      assigned ? row.Int(l.courier) : row.Null();
      row.Text(l.region_code)
          .Text("dept:" + l.department_code)
          .Text(dept.hall_name.empty() ? dept.name : dept.hall_name)
          .Text(dept.hall_address)
          .Real(dept.lat)
          .Real(dept.lng)
          .Text(l.name)
          .Text(l.address)
          .Real(l.lat)
          .Real(l.lng)
          .Text(TimeText(*l.delivery_created))
          .Text(TimeText(*l.delivery_created + hours(24)))
          .Text("办理结果（" + l.result_reference + "）")
          .Int(failed)
          .Text(TimeText(*l.delivery_created));
      l.delivery_assigned ? row.Text(TimeText(*l.delivery_assigned)) : row.Null();
      l.picked_up ? row.Text(TimeText(*l.picked_up)) : row.Null();
      l.delivered ? row.Text(TimeText(*l.delivered)) : row.Null();
      sys_seconds updated = *l.delivery_created;
      for (auto at : {l.delivery_assigned, l.picked_up, l.delivered}) {
        if (at) updated = std::max(updated, *at);
      }
      row.Text(TimeText(updated));
      copy.Put(row);
    }
    copy.Finish();
  }
  {
    Copy copy(tx, "delivery_attempts",
              {"delivery_id", "courier_id", "outcome", "reason", "recipient_name", "id_last4_match",
               "proof_kind", "proof", "lat", "lng", "at", "device_time"});
    for (const std::size_t i : picks) {
      const Life& l = lives[i];
      if (!l.has_delivery) continue;
      const auto id = layout.ids.deliveries[layout.delivery[i]];
      for (const auto& a : l.attempts) {
        row.Clear();
        row.Int(id).Int(l.courier).Text(a.outcome).Text(a.reason);
        if (a.outcome == "delivered") {
          row.Text(l.name).Bool(true).Text("signature").Text("M10 10 L40 30 L70 12");
        } else {
          row.Text("").Null().Null().Null();
        }
        row.Real(l.lat).Real(l.lng).Text(TimeText(a.at)).Text(TimeText(a.at - seconds(20)));
        copy.Put(row);
      }
    }
    copy.Finish();
  }
  {
    Copy ratings(tx, "ratings", {"case_id", "score", "comment", "created_at"});
    for (const std::size_t i : picks) {
      if (!lives[i].rating) continue;
      row.Clear();
      row.Int(ids[i])
          .Int(lives[i].rating->first)
          .Text(lives[i].rating->first >= 4 ? "服务很好" : "")
          .Text(TimeText(lives[i].rating->second));
      ratings.Put(row);
    }
    ratings.Finish();
    Copy followups(tx, "followups",
                   {"case_id", "region_code", "opened_at", "due_at", "closed_at", "closed_by",
                    "call_notes", "outcome"});
    for (const std::size_t i : picks) {
      const Life& l = lives[i];
      if (!l.followup_opened) continue;
      row.Clear();
      row.Int(ids[i])
          .Text(l.region_code)
          .Text(TimeText(*l.followup_opened))
          .Text(TimeText(*l.followup_opened + hours(48)));
      if (l.followup_closed) {
        row.Text(TimeText(*l.followup_closed))
            .Id(world.supervisor.id)
            .Text("已电话回访")
            .Text("resolved");
      } else {
        row.Null().Null().Text("").Text("");
      }
      followups.Put(row);
    }
    followups.Finish();
  }
}

// Location fixes of every agent and courier for the recent days (older ones would be past the
// retention): into the day's partition, made first.
void WriteDayFixes(pqxx::dbtransaction& tx, const World& world, cases::CivilDate date,
                   const HistoryRequest& request, std::uint64_t day_seed, DayCounts& counts) {
  tx.exec_params("SELECT locations_ensure_partition($1::date)", cases::FormatIsoDate(date));
  tx.exec_params("SELECT locations_ensure_partition($1::date + 1)", cases::FormatIsoDate(date));
  Copy copy(tx, "locations",
            {"user_id", "lat", "lng", "accuracy_m", "device_time", "received_at", "flagged"});
  Draw draw(Mix(day_seed, 0xF1));
  for (const auto* people : {&world.agents, &world.couriers}) {
    for (const auto& p : *people) {
      WriteFixes(copy, draw, p.id, p.lat, p.lng, date, request.fixes_per_day, request.now, counts);
    }
  }
  copy.Finish();
}

// Each user's newest plausible fix of the day moves forward, as the gateway's ingest does.
void MoveLatestPositions(pqxx::dbtransaction& tx, cases::CivilDate date) {
  tx.exec_params(R"sql(
INSERT INTO latest_positions (user_id, lat, lng, accuracy_m, device_time, received_at)
SELECT DISTINCT ON (user_id) user_id, lat, lng, accuracy_m, device_time, received_at
  FROM locations
 WHERE received_at >= $1::date::timestamp AT TIME ZONE 'Asia/Shanghai'
   AND received_at < ($1::date + 2)::timestamp AT TIME ZONE 'Asia/Shanghai' AND flagged = ''
 ORDER BY user_id, device_time DESC, id DESC
ON CONFLICT (user_id) DO UPDATE
   SET lat = excluded.lat, lng = excluded.lng, accuracy_m = excluded.accuracy_m,
       device_time = excluded.device_time, received_at = excluded.received_at
 WHERE latest_positions.device_time <= excluded.device_time)sql",
                 cases::FormatIsoDate(date));
}

DayCounts WriteDay(pqxx::dbtransaction& tx, const World& world, const std::vector<Life>& lives,
                   cases::CivilDate date, const HistoryRequest& request, std::uint64_t day_seed,
                   const DayIds& day_ids) {
  // Rows that two days written at once both lock are written last, so a day waits for the
  // other's commit only at its very end: each agent's open work (agent_open_work, kept by the
  // cases' triggers, 0029) and each user's newest position. Written first, the open cases held
  // the counters of the day's agents for the whole day's transaction, and the other job waited
  // on them for more than half of the days with open cases.
  std::vector<std::size_t> quiet, open;
  for (std::size_t i = 0; i < lives.size(); ++i) {
    (IsOpenWork(lives[i]) ? open : quiet).push_back(i);
  }
  const DayLayout layout(lives, day_ids);
  DayCounts counts;
  WriteLives(tx, world, lives, quiet, layout, day_seed, counts);
  const bool fixes = request.fixes_per_day > 0 && sys_days(date) + days(request.fix_days) >=
                                                      std::chrono::floor<days>(request.now);
  if (fixes) WriteDayFixes(tx, world, date, request, day_seed, counts);
  WriteLives(tx, world, lives, open, layout, day_seed, counts);
  if (fixes) MoveLatestPositions(tx, date);
  return counts;
}

}  // namespace

}  // namespace daiban::cli
