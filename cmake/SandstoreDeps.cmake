# Finds the four chosen dependencies. Each failure names the Debian 12 package to
# install (deps/install.sh installs all of them).
find_package(PkgConfig)

function(ss_missing what pkg)
  message(FATAL_ERROR "sandstore: ${what} not found. On Debian 12: apt-get install ${pkg} "
                      "(or run deps/install.sh)")
endfunction()

if(NOT PKG_CONFIG_FOUND)
  ss_missing("pkg-config" "pkg-config")
endif()

pkg_check_modules(LIBUV IMPORTED_TARGET libuv>=1.40)
if(NOT LIBUV_FOUND)
  ss_missing("libuv (>= 1.40)" "libuv1-dev")
endif()

pkg_check_modules(HIREDIS IMPORTED_TARGET hiredis)
if(NOT HIREDIS_FOUND)
  ss_missing("hiredis" "libhiredis-dev")
endif()

find_path(LEVELDB_INCLUDE_DIR leveldb/c.h)
find_library(LEVELDB_LIBRARY leveldb)
if(NOT LEVELDB_INCLUDE_DIR OR NOT LEVELDB_LIBRARY)
  ss_missing("LevelDB" "libleveldb-dev")
endif()
add_library(ss_leveldb INTERFACE)
target_include_directories(ss_leveldb INTERFACE ${LEVELDB_INCLUDE_DIR})
target_link_libraries(ss_leveldb INTERFACE ${LEVELDB_LIBRARY})

find_package(Threads REQUIRED)

if(SS_TESTS)
  pkg_check_modules(CRITERION IMPORTED_TARGET criterion)
  if(NOT CRITERION_FOUND)
    ss_missing("Criterion" "libcriterion-dev")
  endif()
endif()
