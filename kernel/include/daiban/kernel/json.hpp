#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace daiban::kernel {

using Json = nlohmann::json;

// Parses an untrusted request body. Throws ApiError 400 when the body is not JSON, is not
// valid UTF-8, or nests arrays/objects deeper than `max_depth` (deep nesting overflowed the
// stack of nlohmann's recursive destructor, so it is refused while parsing).
Json ParseJsonBody(std::string_view body, int max_depth);

// Serialises for a response: never throws on invalid UTF-8 (it is replaced).
std::string DumpJson(const Json& value);

// The error body of DESIGN.md: {"error":{"code","message","field"?},"request_id"}.
std::string ErrorBody(std::string_view code, std::string_view message, std::string_view field,
                      std::string_view request_id);

// Typed accessors for request bodies: they throw ApiError 422 naming `field` when the member
// is missing or has the wrong type.
const Json& RequireMember(const Json& object, const std::string& field);
// The one reader of text members: the text of `object[key]`, or nullopt when it is missing or
// null (422 naming `path` when `required`); 422 naming `path` when it is not a string, holds a
// NUL or is not valid UTF-8. `path` is where the member sits ("applicant.name").
std::optional<std::string> ReadText(const Json& object, const std::string& key,
                                    const std::string& path, bool required);
std::string RequireString(const Json& object, const std::string& field);
// The member's text, or "" when it is missing or null; 422 naming `field` when it is not a string.
std::string OptionalString(const Json& object, const std::string& field);
std::int64_t RequireInt(const Json& object, const std::string& field);
void RequireObject(const Json& value);  // 400 when the body is not an object

}  // namespace daiban::kernel
