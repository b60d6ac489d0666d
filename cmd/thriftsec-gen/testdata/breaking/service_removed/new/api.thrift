service Users { void ping() }
