"""Devices: camera capture and discovery, the door controller, relay backends and the relay
command protocol. The only package that talks to serial ports, HTTP relays and cameras."""
