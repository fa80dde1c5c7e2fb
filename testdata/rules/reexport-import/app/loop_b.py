from app.loop_a import ring
