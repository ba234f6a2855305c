"""faceapp: face-recognition attendance and door access for a front-desk PC."""

import os as _os

__version__ = "0.1.0"

# Offline means offline: ONNX Runtime otherwise creates a telemetry store at import time
# (~/.cache/Microsoft/DeveloperTools/.onnxruntime: device id, executable path, model names,
# timings). It reads this variable only when it is loaded, so it is set here, before any
# faceapp module can import it; vision.runtime also switches its event API off.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
