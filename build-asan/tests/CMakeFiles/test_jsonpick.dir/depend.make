# Empty dependencies file for test_jsonpick.
# This may be replaced when dependencies are built.
