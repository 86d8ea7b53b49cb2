file(REMOVE_RECURSE
  "CMakeFiles/test_sse.dir/c/test_sse.c.o"
  "CMakeFiles/test_sse.dir/c/test_sse.c.o.d"
  "test_sse"
  "test_sse.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_sse.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
