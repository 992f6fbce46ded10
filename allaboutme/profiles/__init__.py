"""The child's own profile: the question catalogue, answers and their sections."""
