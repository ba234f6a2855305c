"""The PySide6 desktop application. Talks to faceapp.services / faceapp.app only."""
