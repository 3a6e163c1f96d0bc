# Committed log entries applied by the engine against a scratch store (raw
# bytes, and commands built from the real table). The seed corpus is written
# by fuzz_entry_apply_seeds (tests/fuzz/README).
ss_add_fuzz(NAME entry_apply SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_entry_apply.c
            LIBS ss_engine PkgConfig::HIREDIS)
if(NOT SS_FUZZ)
  add_executable(fuzz_entry_apply_seeds ${CMAKE_CURRENT_LIST_DIR}/entry_apply_seeds.c)
  target_link_libraries(fuzz_entry_apply_seeds PRIVATE ss_engine)
endif()
