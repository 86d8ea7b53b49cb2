file(REMOVE_RECURSE
  "CMakeFiles/test_jsonpick.dir/c/test_jsonpick.c.o"
  "CMakeFiles/test_jsonpick.dir/c/test_jsonpick.c.o.d"
  "test_jsonpick"
  "test_jsonpick.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_jsonpick.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
