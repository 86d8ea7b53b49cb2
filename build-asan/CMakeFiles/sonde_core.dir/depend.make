# Empty dependencies file for sonde_core.
# This may be replaced when dependencies are built.
