"""The deployed stack from a workstation (imgmeta aws)."""
