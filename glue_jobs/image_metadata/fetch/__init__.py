"""Where image bytes come from: URL rules, the address guard, the per-image deadline, the ranged
file and one source per scheme.
"""
