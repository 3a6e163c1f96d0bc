# RESP parser and reply encoder. The sources are compiled in directly so these
# tests do not depend on the rest of the server library.
set(SS_RESP_SOURCES
    ${CMAKE_SOURCE_DIR}/src/resp/buf.c
    ${CMAKE_SOURCE_DIR}/src/resp/resp.c
    ${CMAKE_SOURCE_DIR}/src/resp/resp_cmd.c
    ${CMAKE_SOURCE_DIR}/src/resp/resp_inline.c
    ${CMAKE_SOURCE_DIR}/src/resp/resp_reply.c)
ss_add_test(NAME test_resp
            SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_resp.c ${SS_RESP_SOURCES}
            LIBS ss_common TIMEOUT 300 LABELS unit)
ss_add_test(NAME test_resp_reply
            SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_resp_reply.c ${SS_RESP_SOURCES}
            LIBS ss_common PkgConfig::HIREDIS TIMEOUT 300 LABELS unit)
