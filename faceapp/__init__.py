"""faceapp: face-recognition attendance and door access for a front-desk PC."""

__version__ = "0.1.0"
