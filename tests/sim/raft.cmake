# The Raft core in a deterministic simulated cluster (SIM_SEED, SIM_SEEDS, SIM_LONG, SIM_VERBOSE).
# Sanitizers slow it down ~10x: fewer seeds there, the full count in the normal build.
set(sim_env "")
if(SS_SANITIZE)
  set(sim_env ENV SIM_SEEDS=400)
endif()
ss_add_test(NAME sim_raft
            SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_raft.c ${CMAKE_CURRENT_LIST_DIR}/sim_scenarios.c
                    ${CMAKE_CURRENT_LIST_DIR}/sim.c ${CMAKE_CURRENT_LIST_DIR}/check.c
                    ${CMAKE_CURRENT_LIST_DIR}/nemesis.c
            LIBS ss_raft ss_common TIMEOUT 300 LABELS sim ${sim_env})
