# Compiles the files of a web folder (HTML, CSS, JavaScript, SVG) into a service, so it serves
# its pages with no folder to deploy. daiban_embed_web(OUT NAMESPACE FUNCTION DIR) writes OUT, a
# C++ source defining `const std::vector<daiban::kernel::WebFile>& NAMESPACE::FUNCTION()` with
# every file of DIR (not recursive) by name; CMake re-runs when a file of DIR changes.
function(daiban_embed_web out namespace function dir)
  file(GLOB web_files CONFIGURE_DEPENDS ${dir}/*.html ${dir}/*.css ${dir}/*.js ${dir}/*.svg
       ${dir}/*.json)
  list(SORT web_files)
  set(entries "")
  foreach(path IN LISTS web_files)
    get_filename_component(name ${path} NAME)
    get_filename_component(extension ${path} LAST_EXT)
    if(extension STREQUAL ".html")
      set(type "text/html; charset=utf-8")
    elseif(extension STREQUAL ".css")
      set(type "text/css; charset=utf-8")
    elseif(extension STREQUAL ".js")
      set(type "text/javascript; charset=utf-8")
    elseif(extension STREQUAL ".json")
      set(type "application/json")
    else()
      set(type "image/svg+xml")
    endif()
    file(READ ${path} content)
    string(FIND "${content}" ")daiban_web\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${path} contains the raw-string delimiter )daiban_web\"")
    endif()
    string(APPEND entries "      {\"${name}\", \"${type}\", R\"daiban_web(${content})daiban_web\"},\n")
  endforeach()
  file(RELATIVE_PATH relative ${CMAKE_SOURCE_DIR} ${dir})
  # Written verbatim (no @VAR@ substitution in the pages), and copied only when it changed, so
  # an unrelated re-configure recompiles nothing.
  file(WRITE ${out}.new
"// Generated from ${relative} by cmake/embed_web.cmake. Do not edit.
#include \"daiban/kernel/static_site.hpp\"

namespace ${namespace} {

const std::vector<daiban::kernel::WebFile>& ${function}() {
  static const std::vector<daiban::kernel::WebFile> files = {
${entries}  };
  return files;
}

}  // namespace ${namespace}
")
  file(COPY_FILE ${out}.new ${out} ONLY_IF_DIFFERENT)
endfunction()
