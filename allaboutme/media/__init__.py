"""The child's pictures: uploads cleaned of everything but pixels, then kept encrypted."""
