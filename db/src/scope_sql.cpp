#include "daiban/db/scope_sql.hpp"

namespace daiban::db {

std::string RegionSubtree(const std::string& param_or_expression) {
  return "(SELECT region_subtree(" + param_or_expression + "::text))";
}

std::string RegionWithin(const std::string& region, const std::string& ancestor) {
  return "(" + region + " IN " + RegionSubtree(ancestor) + ")";
}

std::string RegionWithinRowAncestor(const std::string& region, const std::string& ancestor_column) {
  // The region itself and its parents up to the root; UNION stops at a (corrupt) cycle.
  return "(" + ancestor_column + " IN (WITH RECURSIVE up (code) AS (SELECT " + region +
         "::text UNION SELECT r.parent_code FROM regions r JOIN up ON r.code = up.code "
         "WHERE r.parent_code IS NOT NULL) SELECT code FROM up))";
}

ScopeSql::ScopeSql(int base)
    : everything_("$" + std::to_string(base) + "::boolean"),
      region_("$" + std::to_string(base + 1) + "::text"),
      department_("$" + std::to_string(base + 2) + "::text"),
      agent_("$" + std::to_string(base + 3) + "::bigint") {}

std::string ScopeSql::Limited(const std::string& region_column,
                              const std::string& department_column, const std::string& extra,
                              const std::string& extra_named) const {
  return "(" + everything_ + " OR ((" + region_ + " = '' OR " +
         RegionWithin(region_column, region_) + ") AND (" + department_ + " = '' OR " +
         department_column + " = " + department_ + ")" + extra + " AND (" + region_ + " <> '' OR " +
         department_ + " <> ''" + extra_named + ")))";
}

std::string ScopeSql::Case(const std::string& region_column,
                           const std::string& department_column) const {
  return Limited(region_column, department_column, "", "");
}

std::string ScopeSql::Case(const std::string& region_column, const std::string& department_column,
                           const std::string& agent_id_column) const {
  return Limited(region_column, department_column,
                 " AND (" + agent_ + " = 0 OR " + agent_id_column + " = " + agent_ + ")",
                 " OR " + agent_ + " <> 0");
}

std::string ScopeSql::Agent(const std::string& agent_id_column) const {
  return "(" + everything_ + " OR ((" + region_ +
         " = '' OR EXISTS (SELECT 1 FROM agent_regions scope_ar WHERE scope_ar.agent_id = " +
         agent_id_column + " AND " + RegionWithin("scope_ar.region_code", region_) + ")) AND (" +
         department_ +
         " = '' OR EXISTS (SELECT 1 FROM agent_departments scope_ad WHERE scope_ad.agent_id = " +
         agent_id_column + " AND scope_ad.department_code = " + department_ + ")) AND (" + region_ +
         " <> '' OR " + department_ + " <> '')))";
}

std::string ScopeSql::Courier(const std::string& courier_id_column) const {
  // A courier serves no department, yet the department parameter is named: PostgreSQL refuses
  // a statement with a parameter it cannot type, and every statement binds all three.
  return "(" + everything_ + " OR (" + region_ + " <> '' AND " + department_ +
         " IS NOT NULL AND EXISTS (SELECT 1 FROM courier_regions scope_cr WHERE "
         "scope_cr.courier_id = " +
         courier_id_column + " AND " + RegionWithin("scope_cr.region_code", region_) + ")))";
}

std::string ScopeSql::PhoneUser(const std::string& user_id_column) const {
  return "(" + Agent(user_id_column) + " OR " + Courier(user_id_column) + ")";
}

}  // namespace daiban::db
