"""The sandbox a student's code runs in (start, limits, stop); sandbox/inside/ is exactly what is bound into it."""
