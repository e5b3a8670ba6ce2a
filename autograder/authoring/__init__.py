"""Authoring: what an instructor runs to build and check a course (release, validate, scaffold, check)."""
