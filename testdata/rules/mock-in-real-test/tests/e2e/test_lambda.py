# A lambda's parameters: the tokens leave this file to the tree.
check = lambda mocker: mocker  # expect: mock-in-real-test
