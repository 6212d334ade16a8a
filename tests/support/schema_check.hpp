#pragma once

// The subset of JSON Schema (OpenAPI 3.0 flavour) that api/openapi.json uses, to check real
// responses against the document: type (with nullable), required, properties,
// additionalProperties (false or a schema), items, enum, oneOf, anyOf, allOf and local $ref.
// Any other keyword that constrains a value is reported as unsupported, so the document cannot
// promise something this check silently ignores. A field the schema does not describe fails
// only where the schema says additionalProperties: false; the views we promise completely say
// so.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace daiban::testing {

class SchemaCheck {
 public:
  explicit SchemaCheck(nlohmann::json document) : document_(std::move(document)) {}

  // Problems of `value` against `schema`, each "path: what" ("" for the root); empty when valid.
  std::vector<std::string> Problems(const nlohmann::json& value,
                                    const nlohmann::json& schema) const {
    std::vector<std::string> problems;
    Check(value, schema, "$", problems, 0);
    return problems;
  }

  // The schema named in components/schemas.
  nlohmann::json Named(const std::string& name) const {
    return {{"$ref", "#/components/schemas/" + name}};
  }

  // The schema of an operation's response for `status` (application/json), or null.
  nlohmann::json ResponseSchema(const std::string& method, const std::string& path,
                                int status) const {
    auto paths = document_.find("paths");
    if (paths == document_.end() || !paths->contains(path)) return nullptr;
    const auto& item = (*paths)[path];
    if (!item.contains(method)) return nullptr;
    const auto& responses = item[method]["responses"];
    std::string code = std::to_string(status);
    const nlohmann::json* response = nullptr;
    if (responses.contains(code)) {
      response = &responses[code];
    } else if (responses.contains("default")) {
      response = &responses["default"];
    }
    if (response == nullptr) return nullptr;
    const nlohmann::json resolved = Resolve(*response);
    auto content = resolved.find("content");
    if (content == resolved.end() || !content->contains("application/json")) return nullptr;
    return (*content)["application/json"].value("schema", nlohmann::json(nullptr));
  }

  // The documented path template that a concrete request path (no query) is served by, e.g.
  // "/api/v1/cases/DB123" -> "/api/v1/cases/{tracking}"; "" when none. A literal segment beats a
  // parameter, so "/api/v1/cases/export" is not taken for a tracking number.
  std::string DocumentedPath(const std::string& method, const std::string& concrete) const {
    auto paths = document_.find("paths");
    if (paths == document_.end()) return {};
    const auto wanted = Segments(concrete);
    std::string best;
    int best_literals = -1;
    for (const auto& [path, item] : paths->items()) {
      if (!item.contains(method)) continue;
      const auto pattern = Segments(path);
      if (pattern.size() != wanted.size()) continue;
      int literals = 0;
      bool matches = true;
      for (std::size_t i = 0; i < pattern.size() && matches; ++i) {
        const auto& part = pattern[i];
        const auto open = part.find('{');
        if (open == std::string::npos) {
          matches = part == wanted[i];
          ++literals;
        } else {
          // A parameter may sit inside a segment, as in "{id}.json".
          const auto close = part.find('}', open);
          const std::string prefix = part.substr(0, open);
          const std::string suffix = close == std::string::npos ? "" : part.substr(close + 1);
          matches = wanted[i].size() > prefix.size() + suffix.size() &&
                    wanted[i].compare(0, prefix.size(), prefix) == 0 &&
                    wanted[i].compare(wanted[i].size() - suffix.size(), suffix.size(), suffix) == 0;
        }
      }
      if (matches && literals > best_literals) {
        best = path;
        best_literals = literals;
      }
    }
    return best;
  }

  // Keywords the document uses inside schemas that this check does not understand.
  std::set<std::string> UnsupportedKeywords(const nlohmann::json& schema) const {
    std::set<std::string> found;
    Walk(schema, found);
    return found;
  }

 private:
  static const std::set<std::string>& Understood() {
    static const std::set<std::string> keywords = {
        "type",      "nullable",    "required", "properties", "additionalProperties",
        "items",     "enum",        "oneOf",    "anyOf",      "allOf",
        "$ref",      "description", "example",  "format",     "title",
        "minimum",   "maximum",     "minItems", "maxItems",   "minLength",
        "maxLength", "pattern",     "default",  "readOnly",   "writeOnly",
        "deprecated"};
    return keywords;
  }

  void Walk(const nlohmann::json& schema, std::set<std::string>& found) const {
    if (!schema.is_object()) return;
    for (const auto& [key, child] : schema.items()) {
      if (!Understood().count(key)) found.insert(key);
      if (key == "properties" && child.is_object()) {
        for (const auto& [name, property] : child.items()) Walk(property, found);
      } else if ((key == "items" || key == "additionalProperties") && child.is_object()) {
        Walk(child, found);
      } else if ((key == "oneOf" || key == "anyOf" || key == "allOf") && child.is_array()) {
        for (const auto& s : child) Walk(s, found);
      }
    }
  }

  static std::vector<std::string> Segments(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
      const auto slash = path.find('/', start);
      const auto end = slash == std::string::npos ? path.size() : slash;
      parts.push_back(path.substr(start, end - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    return parts;
  }

  nlohmann::json Resolve(const nlohmann::json& schema) const {
    nlohmann::json current = schema;
    for (int hops = 0; current.is_object() && current.contains("$ref") && hops < 32; ++hops) {
      std::string ref = current["$ref"];
      if (ref.rfind("#/", 0) != 0) return nlohmann::json::object();
      current = document_.at(nlohmann::json::json_pointer(ref.substr(1)));
    }
    return current;
  }

  static bool HasType(const nlohmann::json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "integer") return value.is_number_integer();
    if (type == "number") return value.is_number();
    if (type == "null") return value.is_null();
    return false;
  }

  void Check(const nlohmann::json& value, const nlohmann::json& raw, const std::string& path,
             std::vector<std::string>& problems, int depth) const {
    if (depth > 64) {
      problems.push_back(path + ": schema nests too deep");
      return;
    }
    // nullable beside a $ref (or an allOf) makes the referenced schema nullable here.
    if (value.is_null() && raw.is_object() && raw.value("nullable", false)) return;
    const nlohmann::json schema = Resolve(raw);
    if (!schema.is_object()) return;
    if (value.is_null() && schema.value("nullable", false)) return;
    if (schema.contains("type")) {
      const std::string type = schema["type"];
      if (!HasType(value, type)) {
        problems.push_back(path + ": expected " + type + ", got " + value.dump());
        return;
      }
    }
    if (schema.contains("enum")) {
      bool listed = false;
      for (const auto& allowed : schema["enum"]) listed = listed || allowed == value;
      if (!listed) problems.push_back(path + ": " + value.dump() + " is not in the enum");
    }
    if (schema.contains("allOf")) {
      for (const auto& part : schema["allOf"]) Check(value, part, path, problems, depth + 1);
    }
    for (const char* keyword : {"oneOf", "anyOf"}) {
      if (!schema.contains(keyword)) continue;
      int matches = 0;
      std::vector<std::string> closest;
      for (const auto& option : schema[keyword]) {
        std::vector<std::string> option_problems;
        Check(value, option, path, option_problems, depth + 1);
        if (option_problems.empty()) {
          ++matches;
        } else if (closest.empty() || option_problems.size() < closest.size()) {
          closest = option_problems;
        }
      }
      const bool ok = std::string(keyword) == "oneOf" ? matches == 1 : matches >= 1;
      if (!ok) {
        problems.push_back(path + ": matches " + std::to_string(matches) + " of the " + keyword +
                           " options");
        if (matches == 0) problems.insert(problems.end(), closest.begin(), closest.end());
      }
    }
    if (value.is_object()) CheckObject(value, schema, path, problems, depth);
    if (value.is_array() && schema.contains("items")) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        Check(value[i], schema["items"], path + "[" + std::to_string(i) + "]", problems, depth + 1);
      }
    }
  }

  void CheckObject(const nlohmann::json& value, const nlohmann::json& schema,
                   const std::string& path, std::vector<std::string>& problems, int depth) const {
    if (schema.contains("required")) {
      for (const auto& name : schema["required"]) {
        if (!value.contains(name.get<std::string>())) {
          problems.push_back(path + ": the required field " + name.get<std::string>() +
                             " is missing");
        }
      }
    }
    const auto properties = schema.value("properties", nlohmann::json::object());
    const auto extra = schema.value("additionalProperties", nlohmann::json(true));
    for (const auto& [name, field] : value.items()) {
      if (properties.contains(name)) {
        Check(field, properties[name], path + "." + name, problems, depth + 1);
      } else if (extra.is_boolean() && !extra.get<bool>()) {
        problems.push_back(path + ": the field " + name + " is not in the document");
      } else if (extra.is_object()) {
        Check(field, extra, path + "." + name, problems, depth + 1);
      }
    }
  }

  nlohmann::json document_;
};

}  // namespace daiban::testing
