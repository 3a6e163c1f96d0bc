# Real client libraries and redis-benchmark: the tests live in tests/clients/.
include(${CMAKE_SOURCE_DIR}/tests/clients/clients.cmake)
