from app.config import DATABASE_URL


def find(name: str) -> str:
    return f"{DATABASE_URL}/{name}"
