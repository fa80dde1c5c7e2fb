"""One parse-error per file, at the first error; other rules still run on the rest."""
import os


def handler(:  # expect: parse-error
    return 1


def fine():
    return 2
