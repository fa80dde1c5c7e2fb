from svc_a import tasks as sibling  # expect: import-contract


def run():
    return sibling
