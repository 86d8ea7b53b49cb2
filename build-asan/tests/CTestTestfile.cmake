# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build-asan/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[c.sse]=] "/work/main/build-asan/tests/test_sse" "/work/main/tests/fixtures/sse")
set_tests_properties([=[c.sse]=] PROPERTIES  LABELS "c" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;10;add_test;/work/main/tests/CMakeLists.txt;14;sonde_c_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[c.rng]=] "/work/main/build-asan/tests/test_rng")
set_tests_properties([=[c.rng]=] PROPERTIES  LABELS "c" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;10;add_test;/work/main/tests/CMakeLists.txt;15;sonde_c_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[c.jsonpick]=] "/work/main/build-asan/tests/test_jsonpick")
set_tests_properties([=[c.jsonpick]=] PROPERTIES  LABELS "c" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;10;add_test;/work/main/tests/CMakeLists.txt;16;sonde_c_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[lua.classify]=] "/usr/bin/busted" "--lua=/work/main/build-asan/sonde lua" "-o" "utfTerminal" "/work/main/tests/lua/classify_spec.lua")
set_tests_properties([=[lua.classify]=] PROPERTIES  ENVIRONMENT "NO_PROXY=127.0.0.1,localhost;no_proxy=127.0.0.1,localhost" LABELS "lua" TIMEOUT "300" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;24;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[lua.protocol]=] "/usr/bin/busted" "--lua=/work/main/build-asan/sonde lua" "-o" "utfTerminal" "/work/main/tests/lua/protocol_spec.lua")
set_tests_properties([=[lua.protocol]=] PROPERTIES  ENVIRONMENT "NO_PROXY=127.0.0.1,localhost;no_proxy=127.0.0.1,localhost" LABELS "lua" TIMEOUT "300" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;24;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[lua.script]=] "/usr/bin/busted" "--lua=/work/main/build-asan/sonde lua" "-o" "utfTerminal" "/work/main/tests/lua/script_spec.lua")
set_tests_properties([=[lua.script]=] PROPERTIES  ENVIRONMENT "NO_PROXY=127.0.0.1,localhost;no_proxy=127.0.0.1,localhost" LABELS "lua" TIMEOUT "300" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;24;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[it.probe_mock]=] "/usr/bin/busted" "--lua=/work/main/build-asan/sonde lua" "-o" "utfTerminal" "/work/main/tests/it/probe_mock_spec.lua")
set_tests_properties([=[it.probe_mock]=] PROPERTIES  ENVIRONMENT "NO_PROXY=127.0.0.1,localhost;no_proxy=127.0.0.1,localhost;SONDE_BIN=/work/main/build-asan/sonde" LABELS "it" TIMEOUT "600" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;35;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[it.transport]=] "/usr/bin/busted" "--lua=/work/main/build-asan/sonde lua" "-o" "utfTerminal" "/work/main/tests/it/transport_spec.lua")
set_tests_properties([=[it.transport]=] PROPERTIES  ENVIRONMENT "NO_PROXY=127.0.0.1,localhost;no_proxy=127.0.0.1,localhost;SONDE_BIN=/work/main/build-asan/sonde" LABELS "it" TIMEOUT "600" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;35;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[lint.luacheck]=] "/usr/bin/luacheck" "--std" "lua54" "--no-color" "-q" "lua" "providers" "policies" "tests" "examples" "bench")
set_tests_properties([=[lint.luacheck]=] PROPERTIES  LABELS "lint" TIMEOUT "120" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;44;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[lint.clang_format]=] "/usr/bin/clang-format-14" "--dry-run" "-Werror" "/work/main/core/clock.c" "/work/main/core/clock.h" "/work/main/core/fast.c" "/work/main/core/fast.h" "/work/main/core/host.c" "/work/main/core/host.h" "/work/main/core/jsonpick.c" "/work/main/core/jsonpick.h" "/work/main/core/l_json.c" "/work/main/core/l_mock.c" "/work/main/core/l_probe.c" "/work/main/core/l_sse.c" "/work/main/core/l_sys.c" "/work/main/core/l_util.c" "/work/main/core/l_util.h" "/work/main/core/main.c" "/work/main/core/mock.c" "/work/main/core/mock.h" "/work/main/core/mock_wire.c" "/work/main/core/mock_wire.h" "/work/main/core/probe.c" "/work/main/core/probe.h" "/work/main/core/rng.c" "/work/main/core/rng.h" "/work/main/core/sse.c" "/work/main/core/sse.h" "/work/main/tests/c/test.h" "/work/main/tests/c/test_jsonpick.c" "/work/main/tests/c/test_rng.c" "/work/main/tests/c/test_sse.c")
set_tests_properties([=[lint.clang_format]=] PROPERTIES  LABELS "lint" TIMEOUT "120" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
