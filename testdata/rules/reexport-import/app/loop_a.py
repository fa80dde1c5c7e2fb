from app.loop_b import ring
