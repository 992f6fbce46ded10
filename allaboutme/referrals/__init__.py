"""Referrals: placement matching, packets and providers' responses."""
