#include "daiban/kernel/json.hpp"

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::kernel {

Json ParseJsonBody(std::string_view body, int max_depth) {
  if (!IsValidUtf8(body)) throw BadRequest("request body is not valid UTF-8");
  int depth = 0;
  bool too_deep = false;
  auto guard = [&](int /*depth*/, Json::parse_event_t event, Json& /*parsed*/) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (++depth > max_depth) too_deep = true;
    } else if (event == Json::parse_event_t::object_end ||
               event == Json::parse_event_t::array_end) {
      --depth;
    }
    // Returning false discards the element; once too deep, everything is discarded so the
    // parse stays shallow and cheap.
    return !too_deep;
  };
  Json parsed;
  try {
    parsed = Json::parse(body.begin(), body.end(), guard);
  } catch (const Json::parse_error&) {
    if (too_deep) throw BadRequest("JSON nests deeper than " + std::to_string(max_depth));
    throw BadRequest("request body is not valid JSON");
  } catch (const Json::out_of_range&) {
    // A number beyond a double ("1e400") is nlohmann's out_of_range, not a parse_error.
    throw BadRequest("a number in the request body is out of range");
  }
  if (too_deep) throw BadRequest("JSON nests deeper than " + std::to_string(max_depth));
  return parsed;
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ErrorBody(std::string_view code, std::string_view message, std::string_view field,
                      std::string_view request_id) {
  nlohmann::ordered_json error;
  error["code"] = code;
  error["message"] = message;
  if (!field.empty()) error["field"] = field;
  nlohmann::ordered_json body;
  body["error"] = std::move(error);
  body["request_id"] = request_id;
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void RequireObject(const Json& value) {
  if (!value.is_object()) throw BadRequest("request body must be a JSON object");
}

const Json& RequireMember(const Json& object, const std::string& field) {
  RequireObject(object);
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) throw Invalid(field, field + " is required");
  return *it;
}

std::string RequireString(const Json& object, const std::string& field) {
  const Json& value = RequireMember(object, field);
  if (!value.is_string()) throw Invalid(field, field + " must be a string");
  return value.get<std::string>();
}

std::string OptionalString(const Json& object, const std::string& field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) throw Invalid(field, field + " must be a string");
  return it->get<std::string>();
}

std::int64_t RequireInt(const Json& object, const std::string& field) {
  const Json& value = RequireMember(object, field);
  if (!value.is_number_integer()) throw Invalid(field, field + " must be an integer");
  return value.get<std::int64_t>();
}

}  // namespace daiban::kernel
