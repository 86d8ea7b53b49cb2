
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/core/clock.c" "CMakeFiles/sonde_core.dir/core/clock.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/clock.c.o.d"
  "/work/main/core/fast.c" "CMakeFiles/sonde_core.dir/core/fast.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/fast.c.o.d"
  "/work/main/core/jsonpick.c" "CMakeFiles/sonde_core.dir/core/jsonpick.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/jsonpick.c.o.d"
  "/work/main/core/mock.c" "CMakeFiles/sonde_core.dir/core/mock.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/mock.c.o.d"
  "/work/main/core/mock_wire.c" "CMakeFiles/sonde_core.dir/core/mock_wire.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/mock_wire.c.o.d"
  "/work/main/core/probe.c" "CMakeFiles/sonde_core.dir/core/probe.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/probe.c.o.d"
  "/work/main/core/rng.c" "CMakeFiles/sonde_core.dir/core/rng.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/rng.c.o.d"
  "/work/main/core/sse.c" "CMakeFiles/sonde_core.dir/core/sse.c.o" "gcc" "CMakeFiles/sonde_core.dir/core/sse.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
