# Protected mode (issue 19): non-loopback clients inside a network namespace the
# test makes (unshare -rn), against sandstore and redis-server 7.0 side by side.
ss_add_integration_test(NAME test_protected_mode LIBS ss_harness TIMEOUT 300)
