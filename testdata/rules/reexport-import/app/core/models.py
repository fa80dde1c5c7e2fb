"""Where the models are defined."""


class Order:
    pass


class Customer:
    pass


class Invoice:
    pass


class Refund:
    pass


class Ledger:
    pass
