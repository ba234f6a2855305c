"""Plain records, errors, time-zone helpers, paths and the option machinery shared by every
layer. Imports nothing else from faceapp."""
