"""Layer 10: the benchmarks (build, endpoints, load test); only the command line imports them."""
