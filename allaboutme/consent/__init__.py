"""The child's consent: who may see which sections, for what, until when."""
