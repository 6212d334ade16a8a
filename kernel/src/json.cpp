#include "daiban/kernel/json.hpp"

#include <cmath>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"
#include "daiban/kernel/text.hpp"

namespace daiban::kernel {

Json ParseJsonBody(std::string_view body, int max_depth) {
  if (!IsValidUtf8(body)) throw BadRequest("request body is not valid UTF-8");
  int depth = 0;
  bool too_deep = false;
  // The member being read, so a refused value can be named.
  std::string member;
  std::string bad_value;
  std::string bad_field;
  auto guard = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (++depth > max_depth) too_deep = true;
    } else if (event == Json::parse_event_t::object_end ||
               event == Json::parse_event_t::array_end) {
      --depth;
    } else if (event == Json::parse_event_t::key && parsed.is_string()) {
      member = parsed.get<std::string>();
      if (member.find('\0') != std::string::npos && bad_value.empty()) bad_value = "a member name";
    } else if (event == Json::parse_event_t::value && bad_value.empty()) {
      // PostgreSQL refuses NUL in text and infinities mean nothing here: refuse both at the
      // edge rather than deep inside a use case.
      if (parsed.is_string() &&
          parsed.get_ref<const std::string&>().find('\0') != std::string::npos) {
        bad_value = member.empty() ? "a text" : member;
        bad_field = member;
      } else if (parsed.is_number_float() && !std::isfinite(parsed.get<double>())) {
        bad_value = member.empty() ? "a number" : member;
        bad_field = member;
      }
    }
    // Returning false discards the element; once too deep, everything is discarded so the
    // parse stays shallow and cheap.
    return !too_deep;
  };
  Json parsed;
  try {
    parsed = Json::parse(body.begin(), body.end(), guard);
  } catch (const Json::exception&) {
    // Not only parse_error: a number too large for a double (1e400) is an out_of_range.
    if (too_deep) throw BadRequest("JSON nests deeper than " + std::to_string(max_depth));
    throw BadRequest("request body is not valid JSON (or holds a number out of range)");
  }
  if (too_deep) throw BadRequest("JSON nests deeper than " + std::to_string(max_depth));
  if (!bad_value.empty()) {
    throw BadRequest(bad_value + " holds a NUL character or a number that is not finite",
                     bad_field);
  }
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

std::optional<std::string> ReadText(const Json& object, const std::string& key,
                                    const std::string& path, bool required) {
  RequireObject(object);
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) throw Invalid(path, path + " is required");
    return std::nullopt;
  }
  if (!it->is_string()) throw Invalid(path, path + " must be a string");
  CheckText(it->get_ref<const std::string&>(), path);
  return it->get<std::string>();
}

std::string RequireString(const Json& object, const std::string& field) {
  return *ReadText(object, field, field, true);
}

std::string OptionalString(const Json& object, const std::string& field) {
  return ReadText(object, field, field, false).value_or("");
}

std::int64_t RequireInt(const Json& object, const std::string& field) {
  const Json& value = RequireMember(object, field);
  if (!value.is_number_integer()) throw Invalid(field, field + " must be an integer");
  return value.get<std::int64_t>();
}

}  // namespace daiban::kernel
