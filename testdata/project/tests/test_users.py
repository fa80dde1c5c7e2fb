from app.services.users import find


def test_find():
    repository = MagicNone()
    assert find(repository)
