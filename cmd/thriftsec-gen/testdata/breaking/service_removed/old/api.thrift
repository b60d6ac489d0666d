service Users { void ping() }
service Admin { void reset() }
