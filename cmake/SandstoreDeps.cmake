# Finds the chosen dependencies. Each failure names the Debian 12 package to
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

# Lua 5.1 as Redis embeds it, with the cjson and bitop modules Redis ships.
# Debian builds both modules as static libraries too (liblua5.1-cjson.a,
# liblua5.1-bitop.a): they are linked into the server and opened into each
# script state with luaopen_cjson / luaopen_bit, so nothing is loaded from the
# file system at run time (the sandbox has no require).
pkg_check_modules(LUA51 IMPORTED_TARGET lua5.1)
if(NOT LUA51_FOUND)
  ss_missing("Lua 5.1" "liblua5.1-0-dev")
endif()
add_library(ss_lua INTERFACE)
target_include_directories(ss_lua INTERFACE ${LUA51_INCLUDE_DIRS})
target_link_libraries(ss_lua INTERFACE ${LUA51_LINK_LIBRARIES} m)

# ss_lua_module(target header library package): a Lua 5.1 C module's static
# library and header, as an INTERFACE target.
function(ss_lua_module target header library package)
  find_library(${target}_LIBRARY NAMES lib${library}.a ${library})
  find_path(${target}_INCLUDE_DIR ${header} PATHS ${LUA51_INCLUDE_DIRS} NO_DEFAULT_PATH)
  if(NOT ${target}_LIBRARY OR NOT ${target}_INCLUDE_DIR)
    ss_missing("${library} (Lua 5.1 module)" "${package}")
  endif()
  add_library(${target} INTERFACE)
  target_include_directories(${target} INTERFACE ${${target}_INCLUDE_DIR})
  target_link_libraries(${target} INTERFACE ${${target}_LIBRARY})
endfunction()
ss_lua_module(ss_lua_cjson lua-cjson.h lua5.1-cjson lua-cjson-dev)
ss_lua_module(ss_lua_bitop lua-bitop.h lua5.1-bitop lua-bitop-dev)

# TLS on the client port (src/server/tls.c).
find_package(OpenSSL 1.1.1)
if(NOT OPENSSL_FOUND)
  ss_missing("OpenSSL (>= 1.1.1)" "libssl-dev")
endif()

find_package(Threads REQUIRED)

if(SS_TESTS)
  pkg_check_modules(CRITERION IMPORTED_TARGET criterion)
  if(NOT CRITERION_FOUND)
    ss_missing("Criterion" "libcriterion-dev")
  endif()
endif()
