# raw backend sources (owned by this area).
