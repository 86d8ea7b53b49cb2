# Empty dependencies file for sonde.
# This may be replaced when dependencies are built.
