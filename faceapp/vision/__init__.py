"""The face pipeline: ONNX runtime and models, detect -> landmarks -> aligned chip -> descriptor,
quality. No Qt, no SQL, no app settings: callers pass plain numbers."""
