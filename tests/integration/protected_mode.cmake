# Protected mode (issue 19): non-loopback clients inside a network namespace the
# test makes (unshare -rn), against sandstore and redis-server 7.0 side by side.
ss_add_test(NAME test_protected_mode SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_protected_mode.c
            LIBS ss_harness TIMEOUT 300 LABELS integration)
add_dependencies(test_protected_mode sandstore)
