"""Layer 9: maintainer tools: anchoring quotes, the README's generated parts, synthetic data."""
