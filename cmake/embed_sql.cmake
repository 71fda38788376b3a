# Compiles numbered migration files (NNNN_name.sql) into a C++ table, so the binary carries its
# own schema and `autograder migrate` needs no files next to it.
function(ag_embed_migrations target dialect dir)
  file(GLOB files CONFIGURE_DEPENDS "${dir}/*.sql")
  list(SORT files)
  set(body "")
  foreach(f IN LISTS files)
    get_filename_component(name "${f}" NAME_WE)
    string(REGEX MATCH "^[0-9]+" version "${name}")
    if(version STREQUAL "")
      message(FATAL_ERROR "migration ${f} does not start with its number")
    endif()
    file(READ "${f}" sql)
    string(APPEND body "    {${version}, \"${name}\", R\"AGSQL(${sql})AGSQL\"},\n")
  endforeach()
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${dialect}_migrations.cc")
  file(CONFIGURE OUTPUT "${out}" CONTENT
"// Generated from ${dir}; edit the .sql files, not this one.
#include \"store/migration.h\"

namespace ag {

const std::vector<Migration>& ${dialect}Migrations() {
  static const std::vector<Migration> kMigrations = {
${body}  };
  return kMigrations;
}

}  // namespace ag
")
  target_sources(${target} PRIVATE "${out}")
endfunction()
