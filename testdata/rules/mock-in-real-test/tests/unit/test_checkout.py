"""Near-miss: unit tests may mock."""
from unittest.mock import patch


def test_unit(mocker):
    return patch, mocker
