file(REMOVE_RECURSE
  "CMakeFiles/sonde_core.dir/core/clock.c.o"
  "CMakeFiles/sonde_core.dir/core/clock.c.o.d"
  "CMakeFiles/sonde_core.dir/core/fast.c.o"
  "CMakeFiles/sonde_core.dir/core/fast.c.o.d"
  "CMakeFiles/sonde_core.dir/core/jsonpick.c.o"
  "CMakeFiles/sonde_core.dir/core/jsonpick.c.o.d"
  "CMakeFiles/sonde_core.dir/core/mock.c.o"
  "CMakeFiles/sonde_core.dir/core/mock.c.o.d"
  "CMakeFiles/sonde_core.dir/core/mock_wire.c.o"
  "CMakeFiles/sonde_core.dir/core/mock_wire.c.o.d"
  "CMakeFiles/sonde_core.dir/core/probe.c.o"
  "CMakeFiles/sonde_core.dir/core/probe.c.o.d"
  "CMakeFiles/sonde_core.dir/core/rng.c.o"
  "CMakeFiles/sonde_core.dir/core/rng.c.o.d"
  "CMakeFiles/sonde_core.dir/core/sse.c.o"
  "CMakeFiles/sonde_core.dir/core/sse.c.o.d"
  "libsonde_core.a"
  "libsonde_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sonde_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
