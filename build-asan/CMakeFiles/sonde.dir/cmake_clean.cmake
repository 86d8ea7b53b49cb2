file(REMOVE_RECURSE
  "CMakeFiles/sonde.dir/core/host.c.o"
  "CMakeFiles/sonde.dir/core/host.c.o.d"
  "CMakeFiles/sonde.dir/core/l_json.c.o"
  "CMakeFiles/sonde.dir/core/l_json.c.o.d"
  "CMakeFiles/sonde.dir/core/l_mock.c.o"
  "CMakeFiles/sonde.dir/core/l_mock.c.o.d"
  "CMakeFiles/sonde.dir/core/l_probe.c.o"
  "CMakeFiles/sonde.dir/core/l_probe.c.o.d"
  "CMakeFiles/sonde.dir/core/l_sse.c.o"
  "CMakeFiles/sonde.dir/core/l_sse.c.o.d"
  "CMakeFiles/sonde.dir/core/l_sys.c.o"
  "CMakeFiles/sonde.dir/core/l_sys.c.o.d"
  "CMakeFiles/sonde.dir/core/l_util.c.o"
  "CMakeFiles/sonde.dir/core/l_util.c.o.d"
  "CMakeFiles/sonde.dir/core/main.c.o"
  "CMakeFiles/sonde.dir/core/main.c.o.d"
  "sonde"
  "sonde.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sonde.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
