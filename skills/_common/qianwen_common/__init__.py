"""Shared helper for the qianwen-* skills: config, HTTP, files, tasks, output."""
