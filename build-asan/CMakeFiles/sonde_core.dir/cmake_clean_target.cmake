file(REMOVE_RECURSE
  "libsonde_core.a"
)
