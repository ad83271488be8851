"""The Django project that `fork compat` drives, one package at a time."""
