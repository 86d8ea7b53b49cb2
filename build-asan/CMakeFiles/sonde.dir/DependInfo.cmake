
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/core/host.c" "CMakeFiles/sonde.dir/core/host.c.o" "gcc" "CMakeFiles/sonde.dir/core/host.c.o.d"
  "/work/main/core/l_json.c" "CMakeFiles/sonde.dir/core/l_json.c.o" "gcc" "CMakeFiles/sonde.dir/core/l_json.c.o.d"
  "/work/main/core/l_mock.c" "CMakeFiles/sonde.dir/core/l_mock.c.o" "gcc" "CMakeFiles/sonde.dir/core/l_mock.c.o.d"
  "/work/main/core/l_probe.c" "CMakeFiles/sonde.dir/core/l_probe.c.o" "gcc" "CMakeFiles/sonde.dir/core/l_probe.c.o.d"
  "/work/main/core/l_sse.c" "CMakeFiles/sonde.dir/core/l_sse.c.o" "gcc" "CMakeFiles/sonde.dir/core/l_sse.c.o.d"
  "/work/main/core/l_sys.c" "CMakeFiles/sonde.dir/core/l_sys.c.o" "gcc" "CMakeFiles/sonde.dir/core/l_sys.c.o.d"
  "/work/main/core/l_util.c" "CMakeFiles/sonde.dir/core/l_util.c.o" "gcc" "CMakeFiles/sonde.dir/core/l_util.c.o.d"
  "/work/main/core/main.c" "CMakeFiles/sonde.dir/core/main.c.o" "gcc" "CMakeFiles/sonde.dir/core/main.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/CMakeFiles/sonde_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
