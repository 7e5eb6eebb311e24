# bench/local.mk: benchmark programs (built by `make bench`, never timed in make check).
