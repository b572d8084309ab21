"""The bundle's version, written by `make vendor` from qianwen-update-check/version.json."""
VERSION = "0.1.0"
