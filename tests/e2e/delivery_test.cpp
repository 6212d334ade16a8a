// One case from the request to the applicant's door and its rating, through the gateway and
// across all four services: intake takes the request and the window accepts it, dispatch offers
// it to an agent, the agent's phone (mobile) reports progress to the result, tracking creates the
// delivery and gives it to a courier, the courier's phone picks it up, fails once, is refused
// once for a wrong ID and delivers with proof; the case closes and the applicant rates it. The
// public tracking view and the staff's chain of custody follow along.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace daiban::e2e {
namespace {

using nlohmann::json;

constexpr const char* kApplicantId = "370102198001011237";

struct Created {
  std::string tracking;
  std::string code;
};

Created ExpressCase(const std::string& method = "express") {
  json request = {{"item_code", "GA-002"},
                  {"mode", "proxy"},
                  {"region_code", "370102001"},
                  {"applicant",
                   {{"kind", "citizen"},
                    {"name", "孙寄件"},
                    {"phone", "13912340000"},
                    {"id_number", kApplicantId},
                    {"address", "历下区泉城路2号"},
                    {"location", {{"lat", 36.664}, {"lng", 117.03}}}}},
                  {"materials", json::array({{{"seq", 1}, {"status", "provided"}},
                                             {{"seq", 2}, {"status", "provided"}},
                                             {{"seq", 3}, {"status", "provided"}},
                                             {{"seq", 4}, {"status", "provided"}},
                                             {{"seq", 5}, {"status", "provided"}}})},
                  {"delivery",
                   {{"method", method},
                    {"address", "历下区泉城路2号3单元"},
                    {"window", "any"},
                    {"location", {{"lat", 36.664}, {"lng", 117.03}}}}}};
  auto created = SubmitCase(request, Unique("d-"));
  EXPECT_EQ(created.status, 201) << created.body;
  return {Body(created)["tracking_number"], Body(created)["access_code"]};
}

RawResponse Phone(const std::string& token, const std::string& method, const std::string& path,
                  const json& body = json::object(), const std::string& key = {}) {
  auto headers = Bearer(token);
  if (!key.empty()) headers["Idempotency-Key"] = key;
  headers["X-Device-Time"] = MinutesAgo(0);
  return Gateway(method, path, body.dump(), headers);
}

// "from>to" of each custody link of a staff view.
std::vector<std::string> ChainOf(const json& staff) {
  std::vector<std::string> chain;
  for (const auto& link : staff["custody"]) {
    chain.push_back(link["from"]["role"].get<std::string>() + ">" +
                    link["to"]["role"].get<std::string>());
  }
  return chain;
}

// Every link starts where the previous one ended (the applicant first), none is a
// discrepancy, and each says who recorded it and when.
void ExpectWholeChain(const json& staff) {
  json previous = {{"role", "applicant"}};
  for (const auto& link : staff["custody"]) {
    EXPECT_EQ(link["from"]["role"], previous["role"]) << link.dump();
    if (previous.contains("name") && previous["role"] != "window") {
      EXPECT_EQ(link["from"]["name"], previous["name"]) << link.dump();
    }
    EXPECT_TRUE(link["discrepancy"].is_null()) << link.dump();
    EXPECT_TRUE(link["actor"]["role"].is_string()) << link.dump();
    EXPECT_TRUE(link["at"].is_string()) << link.dump();
    EXPECT_TRUE(link.contains("position")) << link.dump();
    previous = link["to"];
  }
}

TEST(DeliveryE2eTest, FromRequestToTheDoorClosedAndRated) {
  const std::string supervisor = StaffLogin("13800000001");
  const auto [tracking, code] = ExpressCase();
  ASSERT_FALSE(tracking.empty());
  auto accepted = Gateway("POST", "/api/v1/cases/" + tracking + "/accept", "{}",
                          Bearer(StaffLogin("13800000003")));
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  ExpectDocumented(accepted, "post", "/api/v1/cases/{tracking}/accept");

  // The agent does the trips and gets the result.
  const std::string agent = AgentTakes(tracking, supervisor);
  ASSERT_FALSE(agent.empty());
  const json at_door = {{"lat", 36.664}, {"lng", 117.03}};
  for (const json& step :
       {json{{"kind", "materials_collected"}, {"position", at_door}},
        json{{"kind", "submitted_to_window"}},
        json{{"kind", "result_obtained"}, {"result_reference", "户迁字2026-0815"}}}) {
    auto reported =
        Phone(agent, "POST", "/mobile/v1/cases/" + tracking + "/progress", step, Unique("p-"));
    ASSERT_EQ(reported.status, 200) << reported.body;
  }

  // The agent's task view and the supervisor's list are what the document says.
  ExpectDocumented(Phone(agent, "GET", "/mobile/v1/tasks"), "get", "/mobile/v1/tasks");
  ExpectDocumented(Gateway("GET", "/api/v1/cases?region=370102&limit=5", "", Bearer(supervisor)),
                   "get", "/api/v1/cases");

  // Tracking creates the delivery from the case event and the assigner gives it to a courier.
  const json delivery = AssignedDelivery(tracking, supervisor);
  ASSERT_FALSE(delivery.empty());
  EXPECT_EQ(delivery["leg"], "result");
  EXPECT_EQ(delivery["dropoff"]["address"], "历下区泉城路2号3单元");
  EXPECT_NE(delivery["contents"].get<std::string>().find("户迁字2026-0815"), std::string::npos);
  const std::string id = std::to_string(delivery["id"].get<std::int64_t>());
  const std::string courier_phone = delivery["courier"]["phone"];
  const std::string courier = PhoneLogin(courier_phone, Unique("device-"))["access_token"];

  // The courier's list has the hall first, then the door.
  auto stops_response = Phone(courier, "GET", "/mobile/v1/deliveries?limit=100");
  ExpectDocumented(stops_response, "get", "/mobile/v1/deliveries");
  auto stops = Body(stops_response);
  std::vector<std::string> kinds;
  for (const auto& stop : stops["stops"]) {
    if (stop["id"] == delivery["id"]) kinds.push_back(stop["stop"]["kind"]);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"pickup", "dropoff"}));
  // The same stops one page at a time, in the same order.
  std::vector<std::string> paged;
  for (const auto& stop : EveryPage("/mobile/v1/deliveries", Bearer(courier), "stops", 1)) {
    if (stop["id"] == delivery["id"]) paged.push_back(stop["stop"]["kind"]);
  }
  EXPECT_EQ(paged, kinds);
  ExpectErrorJson(Phone(courier, "GET", "/mobile/v1/deliveries?limit=101"), 400, "bad_request");
  ExpectErrorJson(Phone(courier, "GET", "/mobile/v1/deliveries?cursor=s1.1.2"), 400, "bad_request");

  // Another courier cannot touch it.
  const std::string other_phone = courier_phone == "13700000001" ? "13700000002" : "13700000001";
  const std::string other = PhoneLogin(other_phone, Unique("device-"))["access_token"];
  ExpectErrorJson(Phone(other, "POST", "/mobile/v1/deliveries/" + id + "/picked_up", json::object(),
                        Unique("c-")),
                  404, "not_found");
  ExpectErrorJson(
      Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/delivered",
            {{"recipient_name", "孙寄件"}, {"id_last4", "1237"}, {"signature", "M0 0 L5 5"}},
            Unique("c-")),
      409, "illegal_delivery_transition");

  // Picked up at the hall, once however often the phone retries.
  const std::string pickup_key = Unique("c-");
  auto picked = Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/picked_up",
                      {{"position", delivery["pickup"]["location"]}}, pickup_key);
  ASSERT_EQ(picked.status, 200) << picked.body;
  EXPECT_EQ(Body(picked)["case_state"], "out_for_delivery");
  EXPECT_EQ(Body(picked)["delivery"]["state"], "picked_up");
  EXPECT_EQ(Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/picked_up",
                  {{"position", delivery["pickup"]["location"]}}, pickup_key)
                .body,
            picked.body);

  // The courier rides out; the public page shows where it is and when it comes.
  json fixes = {
      {"fixes", json::array({{{"lat", 36.660}, {"lng", 117.040}, {"device_time", MinutesAgo(4)}},
                             {{"lat", 36.662}, {"lng", 117.035}, {"device_time", MinutesAgo(2)}},
                             // A jump no courier can make: kept, flagged, not used.
                             {{"lat", 31.23}, {"lng", 121.47}, {"device_time", MinutesAgo(1)}}})}};
  auto sent = Phone(courier, "POST", "/mobile/v1/locations", fixes);
  ASSERT_EQ(sent.status, 200) << sent.body;
  auto track_response = Gateway("GET", "/api/v1/track/" + tracking + "?code=" + code);
  ExpectDocumented(track_response, "get", "/api/v1/track/{tracking}");
  auto track = Body(track_response);
  EXPECT_EQ(track["state"], "out_for_delivery");
  ASSERT_TRUE(track["delivery"].is_object()) << track.dump();
  EXPECT_EQ(track["delivery"]["state"], "picked_up");
  ASSERT_TRUE(track["delivery"]["courier_position"].is_object()) << track.dump();
  EXPECT_DOUBLE_EQ(track["delivery"]["courier_position"]["lat"], 36.662);  // not the jump
  ASSERT_TRUE(track["delivery"]["eta"].is_object()) << track.dump();
  EXPECT_GT(track["delivery"]["eta"]["road_km"].get<double>(), 0.0);

  // Nobody at home: the attempt is kept, the applicant sees it, the next day is planned.
  auto failed = Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/failed",
                      {{"reason", "not_home"}, {"position", at_door}}, Unique("c-"));
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(Body(failed)["delivery"]["attempts"], 1);
  EXPECT_EQ(Body(failed)["delivery"]["state"], "picked_up");
  ExpectErrorJson(Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/failed",
                        {{"reason", "raining"}}, Unique("c-")),
                  422, "validation_failed");
  track = Body(Gateway("GET", "/api/v1/track/" + tracking + "?code=" + code));
  EXPECT_EQ(track["delivery"]["failed_attempts"], 1);
  EXPECT_EQ(track["timeline"].back()["type"], "delivery_failed");

  // The next visit; the phone had no signal at the door, so "arrived" comes through the sync.
  json batch = {
      {"items", json::array({{{"kind", "delivery"},
                              {"idempotency_key", Unique("s-")},
                              {"device_time", MinutesAgo(0)},
                              {"delivery_id", delivery["id"]},
                              {"body", {{"action", "arrived"}, {"position", at_door}}}}})}};
  auto synced = Phone(courier, "POST", "/mobile/v1/sync", batch);
  ASSERT_EQ(synced.status, 200) << synced.body;
  ASSERT_EQ(Body(synced)["outcomes"][0]["status"], "applied") << synced.body;
  EXPECT_EQ(Body(synced)["outcomes"][0]["result"]["delivery"]["state"], "arrived");
  // A wrong ID is refused and recorded; the right one delivers.
  ExpectErrorJson(
      Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/delivered",
            {{"recipient_name", "孙寄件"}, {"id_last4", "9999"}, {"signature", "M0 0 L5 5"}},
            Unique("c-")),
      422, "validation_failed");
  auto delivered = Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/delivered",
                         {{"recipient_name", "孙寄件"},
                          {"id_last4", "1237"},
                          {"signature", "M0 0 C 3 4 5 6 9 9"},
                          {"position", at_door}},
                         Unique("c-"));
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  EXPECT_EQ(Body(delivered)["delivery"]["state"], "delivered");

  auto legs_response =
      Gateway("GET", "/api/v1/deliveries?case=" + tracking, "", Bearer(supervisor));
  ExpectDocumented(legs_response, "get", "/api/v1/deliveries");
  auto legs = Body(legs_response);
  std::vector<std::string> outcomes;
  for (const auto& a : legs["deliveries"][0]["attempts"]) outcomes.push_back(a["outcome"]);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"failed", "identity_mismatch", "delivered"}));

  // The case is closed and the applicant rates it.
  auto mine_response = Gateway("GET", "/api/v1/cases/" + tracking + "?code=" + code);
  ExpectDocumented(mine_response, "get", "/api/v1/cases/{tracking}");
  ExpectSchema(Body(mine_response), "CaseApplicantView");
  auto mine = Body(mine_response);
  EXPECT_EQ(mine["state"], "closed");
  auto rated = Gateway("POST", "/api/v1/cases/" + tracking + "/rating?code=" + code,
                       json{{"score", 5}, {"comment", "送到家门口，很方便"}}.dump());
  ASSERT_EQ(rated.status, 200) << rated.body;
  EXPECT_EQ(Body(rated)["rating"]["score"], 5);

  // The staff view shows the chain of custody from the applicant back to the applicant: the
  // agent who obtained the result hands it to the courier at the hall.
  auto staff_response = Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor));
  ExpectDocumented(staff_response, "get", "/api/v1/cases/{tracking}");
  ExpectSchema(Body(staff_response), "CaseStaffView");
  auto staff = Body(staff_response);
  EXPECT_EQ(ChainOf(staff),
            (std::vector<std::string>{"applicant>agent", "agent>window", "window>agent",
                                      "agent>courier", "courier>applicant"}));
  ExpectWholeChain(staff);
  EXPECT_EQ(staff["custody"][3]["actor"]["role"], "courier");
  EXPECT_EQ(staff["custody"][4]["actor"]["role"], "courier");
  EXPECT_TRUE(staff["custody"].back()["position"].is_object());
  EXPECT_EQ(staff["custody_holder"]["role"], "applicant");
}

// The proof at the door: the photo is one the courier uploaded for this very leg, and 5 wrong
// ID guesses on the leg block it (alerting the region's supervisors) until a supervisor of the
// region unblocks it.
TEST(DeliveryE2eTest, TheProofNamesTheLegsPhotoAndWrongIdsAreLimited) {
  const std::string supervisor = StaffLogin("13800000001");
  const auto [tracking, code] = ExpressCase();
  ASSERT_FALSE(tracking.empty());
  ASSERT_EQ(Gateway("POST", "/api/v1/cases/" + tracking + "/accept", "{}",
                    Bearer(StaffLogin("13800000003")))
                .status,
            200);
  const std::string agent = AgentTakes(tracking, supervisor);
  ASSERT_FALSE(agent.empty());
  for (const json& step :
       {json{{"kind", "materials_collected"}}, json{{"kind", "submitted_to_window"}},
        json{{"kind", "result_obtained"}, {"result_reference", "户迁字2026-0816"}}}) {
    ASSERT_EQ(Phone(agent, "POST", "/mobile/v1/cases/" + tracking + "/progress", step, Unique("p-"))
                  .status,
              200);
  }
  const json delivery = AssignedDelivery(tracking, supervisor);
  ASSERT_FALSE(delivery.empty());
  const std::string id = std::to_string(delivery["id"].get<std::int64_t>());
  const std::string courier_phone = delivery["courier"]["phone"];
  const std::string courier = PhoneLogin(courier_phone, Unique("device-"))["access_token"];
  ASSERT_EQ(Phone(courier, "POST", "/mobile/v1/deliveries/" + id + "/picked_up", json::object(),
                  Unique("c-"))
                .status,
            200);
  const std::string deliver = "/mobile/v1/deliveries/" + id + "/delivered";
  auto with_photo = [](const std::string& sha256, const std::string& last4) {
    return json{{"recipient_name", "孙寄件"}, {"id_last4", last4}, {"photo_sha256", sha256}};
  };

  // A hash of no uploaded photo is refused, naming the field.
  const std::string png = TinyPng();
  auto nothing =
      Phone(courier, "POST", deliver, with_photo(std::string(64, 'a'), "1237"), Unique("c-"));
  ExpectErrorJson(nothing, 422, "validation_failed");
  EXPECT_EQ(Body(nothing)["error"]["field"], "photo_sha256");

  // The courier uploads the photo to its leg; another courier cannot.
  auto upload = [&](const std::string& token) {
    auto headers = Bearer(token);
    headers["Idempotency-Key"] = Unique("photo-");
    headers["Content-Type"] = "image/png";
    return Gateway("POST", "/mobile/v1/deliveries/" + id + "/photos", png, headers);
  };
  const std::string other_phone = courier_phone == "13700000001" ? "13700000002" : "13700000001";
  ExpectErrorJson(upload(PhoneLogin(other_phone, Unique("device-"))["access_token"]), 404,
                  "not_found");
  ExpectErrorJson(upload(agent), 403, "forbidden");
  auto uploaded = upload(courier);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  ExpectDocumented(uploaded, "post", "/mobile/v1/deliveries/{id}/photos");
  const std::string sha256 = Body(uploaded)["sha256"];
  EXPECT_EQ(Body(uploaded)["delivery_id"], delivery["id"]);

  // Four wrong IDs are refused; the fifth blocks the leg and alerts the supervisors.
  for (int guess = 1; guess <= 4; ++guess) {
    auto wrong = Phone(courier, "POST", deliver, with_photo(sha256, "9999"), Unique("c-"));
    ExpectErrorJson(wrong, 422, "validation_failed");
    EXPECT_EQ(Body(wrong)["error"]["field"], "id_last4");
  }
  EXPECT_FALSE(HasAlert(supervisor, tracking, "identity_blocked"));
  ExpectErrorJson(Phone(courier, "POST", deliver, with_photo(sha256, "9999"), Unique("c-")), 423,
                  "identity_check_blocked");
  ExpectErrorJson(Phone(courier, "POST", deliver, with_photo(sha256, "1237"), Unique("c-")), 423,
                  "identity_check_blocked");
  EXPECT_TRUE(HasAlert(supervisor, tracking, "identity_blocked"));

  // A supervisor of another region cannot unblock it; one of this region can.
  ExpectErrorJson(Gateway("POST", "/api/v1/cases/" + tracking + "/handover/unblock", "{}",
                          Bearer(StaffLogin("13800000002"))),
                  404, "not_found");
  ASSERT_EQ(
      Gateway("POST", "/api/v1/cases/" + tracking + "/handover/unblock", "{}", Bearer(supervisor))
          .status,
      200);
  auto delivered = Phone(courier, "POST", deliver, with_photo(sha256, "1237"), Unique("c-"));
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  EXPECT_EQ(Body(delivered)["delivery"]["state"], "delivered");
  EXPECT_EQ(Body(Gateway("GET", "/api/v1/cases/" + tracking + "?code=" + code))["state"], "closed");
}

TEST(DeliveryE2eTest, AResultLeftAtTheWindowIsHandedOverFromThereWithTheChainWhole) {
  const std::string supervisor = StaffLogin("13800000001");
  const std::string window = StaffLogin("13800000003");
  const auto [tracking, code] = ExpressCase("window");
  ASSERT_FALSE(tracking.empty());
  ASSERT_EQ(Gateway("POST", "/api/v1/cases/" + tracking + "/accept", "{}", Bearer(window)).status,
            200);
  const std::string agent = AgentTakes(tracking, supervisor);
  ASSERT_FALSE(agent.empty());
  const std::string progress = "/mobile/v1/cases/" + tracking + "/progress";
  for (const json& step :
       {json{{"kind", "materials_collected"}}, json{{"kind", "submitted_to_window"}},
        json{{"kind", "result_obtained"}, {"result_reference", "户迁字2026-0816"}}}) {
    auto reported = Phone(agent, "POST", progress, step, Unique("p-"));
    ASSERT_EQ(reported.status, 200) << reported.body;
  }
  // The agent holds the result now; it leaves it at the window for the applicant to collect.
  auto staff = Body(Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor)));
  EXPECT_EQ(staff["custody_holder"]["role"], "agent");
  auto left = Phone(agent, "POST", progress, {{"kind", "left_at_window"}}, Unique("p-"));
  ASSERT_EQ(left.status, 200) << left.body;
  EXPECT_EQ(Body(left)["state"], "result_ready");
  auto handed = Gateway("POST", "/api/v1/cases/" + tracking + "/handover",
                        R"({"recipient_name":"孙寄件","id_last4":"1237"})", Bearer(window));
  ASSERT_EQ(handed.status, 200) << handed.body;
  ExpectDocumented(handed, "post", "/api/v1/cases/{tracking}/handover");

  staff = Body(Gateway("GET", "/api/v1/cases/" + tracking, "", Bearer(supervisor)));
  EXPECT_EQ(ChainOf(staff),
            (std::vector<std::string>{"applicant>agent", "agent>window", "window>agent",
                                      "agent>window", "window>applicant"}));
  ExpectWholeChain(staff);
  EXPECT_EQ(staff["custody"][3]["type"], "left_at_window");
  EXPECT_EQ(staff["custody"][4]["actor"]["name"], "王窗口");
  EXPECT_EQ(staff["custody_holder"]["role"], "applicant");
}

TEST(DeliveryE2eTest, ASupplementTheAgentAsksForResumesTheCaseOnceSupplied) {
  const std::string supervisor = StaffLogin("13800000001");
  const auto [tracking, code] = ExpressCase();
  ASSERT_EQ(Gateway("POST", "/api/v1/cases/" + tracking + "/accept", "{}",
                    Bearer(StaffLogin("13800000003")))
                .status,
            200);
  const std::string agent = AgentTakes(tracking, supervisor);
  const std::string progress = "/mobile/v1/cases/" + tracking + "/progress";
  ASSERT_EQ(Phone(agent, "POST", progress, {{"kind", "materials_collected"}}, Unique("p-")).status,
            200);
  ExpectErrorJson(Phone(agent, "POST", progress,
                        {{"kind", "supplement_requested"}, {"what", "x"}, {"material_seq", "two"}},
                        Unique("p-")),
                  422, "validation_failed");
  auto asked =
      Phone(agent, "POST", progress,
            {{"kind", "supplement_requested"}, {"what", "户口簿复印件不清晰"}, {"material_seq", 1}},
            Unique("p-"));
  ASSERT_EQ(asked.status, 200) << asked.body;
  EXPECT_EQ(Body(asked)["state"], "suspended");
  // The applicant sees what is missing and supplies it; the work goes on by itself.
  auto mine = Body(Gateway("GET", "/api/v1/cases/" + tracking + "?code=" + code));
  EXPECT_EQ(mine["materials"][0]["status"], "missing");
  auto supplied = Gateway("POST", "/api/v1/cases/" + tracking + "/materials?code=" + code,
                          json{{"seq", 1}}.dump());
  ASSERT_EQ(supplied.status, 200) << supplied.body;
  EXPECT_EQ(Body(supplied)["state"], "in_progress");
}

TEST(DeliveryE2eTest, CouriersAreListedAndOnlyAdminsChangeThem) {
  const std::string supervisor = StaffLogin("13800000001");
  auto list = Gateway("GET", "/api/v1/couriers", "", Bearer(supervisor));
  ASSERT_EQ(list.status, 200) << list.body;
  ExpectDocumented(list, "get", "/api/v1/couriers");
  json demo;
  const json couriers = Body(list);
  for (const auto& c : couriers["couriers"]) {
    if (c["phone"] == "13800000005") demo = c;
  }
  ASSERT_TRUE(demo.is_object()) << "the demo courier has no profile: " << list.body;
  EXPECT_EQ(demo["company"], "中国邮政EMS");
  const std::string path = "/api/v1/couriers/" + std::to_string(demo["id"].get<std::int64_t>());
  json settings = {{"company", "中国邮政EMS"}, {"vehicle", "ebike"},
                   {"capacity", 12},           {"on_duty", true},
                   {"base", demo["base"]},     {"regions", demo["regions"]}};
  ExpectErrorJson(Gateway("PUT", path, settings.dump(), Bearer(supervisor)), 403, "forbidden");
  const std::string admin = StaffLogin("13800000000");
  auto saved = Gateway("PUT", path, settings.dump(), Bearer(admin));
  ASSERT_EQ(saved.status, 200) << saved.body;
  ExpectDocumented(saved, "put", "/api/v1/couriers/{id}");
  settings["vehicle"] = "rocket";
  ExpectErrorJson(Gateway("PUT", path, settings.dump(), Bearer(admin)), 422, "validation_failed");
  settings["vehicle"] = "ebike";
  settings["regions"] = json::array({"999999"});
  ExpectErrorJson(Gateway("PUT", path, settings.dump(), Bearer(admin)), 422, "validation_failed");
  ExpectErrorJson(Gateway("PUT", "/api/v1/couriers/1", settings.dump(), Bearer(admin)), 404,
                  "not_found");
  // The unchanged profile is still there (the refused writes changed nothing).
  EXPECT_EQ(Body(Gateway("GET", path, "", Bearer(admin)))["regions"], demo["regions"]);
}

TEST(DeliveryE2eTest, BadCourierRequestsGetClearErrorsAndChangeNothing) {
  const std::string courier = PhoneLogin("13700000001", Unique("device-"))["access_token"];
  const std::string agent = PhoneLogin("13800000004", Unique("device-"))["access_token"];
  // Only couriers have stops; only agents ask for collections.
  ExpectErrorJson(Phone(agent, "GET", "/mobile/v1/deliveries"), 403, "forbidden");
  ExpectErrorJson(Phone(courier, "POST", "/mobile/v1/cases/DB0000000000/collection"), 403,
                  "forbidden");
  // Unknown deliveries and actions, malformed ids.
  ExpectErrorJson(Phone(courier, "POST", "/mobile/v1/deliveries/999999999/picked_up",
                        json::object(), Unique("c-")),
                  404, "not_found");
  ExpectErrorJson(
      Phone(courier, "POST", "/mobile/v1/deliveries/abc/picked_up", json::object(), Unique("c-")),
      404, "not_found");
  ExpectErrorJson(
      Phone(courier, "POST", "/mobile/v1/deliveries/1/teleported", json::object(), Unique("c-")),
      404, "not_found");
  // Every write needs its key; the body must be JSON; positions must be positions.
  ExpectErrorJson(Phone(courier, "POST", "/mobile/v1/deliveries/1/picked_up"), 400, "bad_request");
  auto headers = Bearer(courier);
  headers["Idempotency-Key"] = Unique("c-");
  ExpectErrorJson(Gateway("POST", "/mobile/v1/deliveries/1/picked_up", "{not json", headers), 400,
                  "");
  ExpectErrorJson(Phone(courier, "POST", "/mobile/v1/deliveries/999999999/arrived",
                        {{"position", {{"lat", 91}, {"lng", 0}}}}, Unique("c-")),
                  422, "validation_failed");
  // The stop list is still served.
  auto stops = Phone(courier, "GET", "/mobile/v1/deliveries");
  EXPECT_EQ(stops.status, 200) << stops.body;
}

// Couriers are scoped like agents: by their regions; a supervisor of a department alone (which
// couriers do not serve) reaches none.
TEST(DeliveryE2eTest, SupervisorsSeeOnlyTheCouriersOfTheirRegions) {
  const std::string lixia = StaffLogin("13800000001");
  const std::string shizhong = StaffLogin("13800000002");
  auto listed = Gateway("GET", "/api/v1/couriers", "", Bearer(shizhong));
  ASSERT_EQ(listed.status, 200) << listed.body;
  ExpectDocumented(listed, "get", "/api/v1/couriers");
  std::int64_t zhengjie = 0;  // 郑杰: 市中区 only
  // Each body is held in a variable: a loop over a member of a temporary reads freed memory.
  const json shizhong_couriers = Body(listed);
  for (const auto& c : shizhong_couriers["couriers"]) {
    EXPECT_NE(c["phone"], "13700000001") << "a 历下区 courier on 市中区's list";
    if (c["phone"] == "13700000003") zhengjie = c["id"];
  }
  ASSERT_NE(zhengjie, 0) << listed.body;
  const json lixia_couriers = Body(Gateway("GET", "/api/v1/couriers", "", Bearer(lixia)));
  ASSERT_FALSE(lixia_couriers["couriers"].empty());
  for (const auto& c : lixia_couriers["couriers"]) {
    EXPECT_NE(c["id"], zhengjie);
  }
  const std::string path = "/api/v1/couriers/" + std::to_string(zhengjie);
  EXPECT_EQ(Gateway("GET", path, "", Bearer(shizhong)).status, 200);
  ExpectErrorJson(Gateway("GET", path, "", Bearer(lixia)), 404, "not_found");
  auto none = Gateway("GET", "/api/v1/couriers", "", Bearer(StaffLogin("13800000006")));
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(Body(none)["couriers"].empty());
}

}  // namespace
}  // namespace daiban::e2e
