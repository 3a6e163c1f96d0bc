# ACL SETUSER rules and aclfile text (what ACL SETUSER and ACL LOAD accept from
# clients); a user's ACL LIST description must read back as the same user.
ss_add_fuzz(NAME acl_rules SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_acl_rules.c LIBS ss_commands)
