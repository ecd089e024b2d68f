# hyperv backend sources (owned by this area).
