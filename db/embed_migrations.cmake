# Writes a C++ source holding every db/migrations/NNNN_name.sql as an embedded string, so the
# binaries carry the migrations of their own build. Called at configure time from
# db/CMakeLists.txt; re-run whenever a migration file is added or changed.
function(daiban_embed_migrations out_file)
  file(GLOB sql_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/migrations/*.sql)
  list(SORT sql_files)
  set(entries "")
  foreach(sql_file IN LISTS sql_files)
    get_filename_component(stem ${sql_file} NAME_WE)
    if(NOT stem MATCHES "^([0-9]+)_([a-z0-9_]+)$")
      message(FATAL_ERROR "migration file name must be NNNN_snake_name.sql: ${sql_file}")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")
    set(name ${CMAKE_MATCH_2})
    file(READ ${sql_file} sql)
    if(sql MATCHES "\\)daiban_sql\"")
      message(FATAL_ERROR "${sql_file} contains the embedding delimiter")
    endif()
    string(APPEND entries "    {${version}, \"${name}\", R\"daiban_sql(${sql})daiban_sql\"},\n")
  endforeach()
  file(CONFIGURE OUTPUT ${out_file} CONTENT
"// Generated from db/migrations by db/embed_migrations.cmake. Do not edit.
#include \"daiban/db/migrator.hpp\"

namespace daiban::db {

const std::vector<Migration>& BuiltInMigrations() {
  static const std::vector<Migration> kMigrations = {
${entries}  };
  return kMigrations;
}

}  // namespace daiban::db
" @ONLY)
endfunction()
