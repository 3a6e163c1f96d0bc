# Peer transport: the frame reader, real transports on loopback, and transports
# against hand-driven sockets.
ss_add_test(NAME test_transport_frame SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transport_frame.c
            LIBS ss_transport LABELS unit TIMEOUT 30)
ss_add_test(NAME test_transport SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transport.c
            LIBS ss_transport LABELS unit TIMEOUT 120)
ss_add_test(NAME test_transport_wire SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transport_wire.c
            LIBS ss_transport LABELS unit TIMEOUT 120)
