"""Benchmarks (``make bench``): each figure is printed with its ratio to a floor measured in
the same run, because the machines they run on are noisy. They are not tests."""
