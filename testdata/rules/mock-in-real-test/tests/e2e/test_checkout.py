import json
import unittest.mock  # expect: mock-in-real-test
from unittest import mock  # expect: mock-in-real-test
from unittest.mock import patch  # expect: mock-in-real-test
import mock as legacy_mock  # expect: mock-in-real-test
from pytest_mock import MockerFixture  # expect: mock-in-real-test
from unittest import TestCase


def test_checkout(mocker):  # expect: mock-in-real-test
    mocker.patch("acme.payments.charge")


def test_typed(payment, mocker: MockerFixture = None):  # expect: mock-in-real-test
    return payment, json, TestCase, mock, legacy_mock, patch


def test_real(payment_sandbox):
    mocker = payment_sandbox  # near-miss: not a parameter
    return mocker


def test_keyword_only(payment, *, mocker):  # expect: mock-in-real-test
    return payment, mocker


def test_star(*mocker):  # expect: mock-in-real-test
    return mocker


def test_defaults(scale=2 * mocker, size=len([mocker])) -> mocker:  # near-miss: uses, not parameters
    return scale, size


def test_annotated(value: mocker, other: dict[str, mocker] = None):  # near-miss: annotations
    return value, other


def test_returns(payment) -> tuple[int, mocker, str]:  # near-miss: a return annotation (found by review)
    return payment


def test_returns_call() -> (mocker):  # near-miss: a return annotation
    return None
