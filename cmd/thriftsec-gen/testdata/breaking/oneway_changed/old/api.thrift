service Log {
  oneway void write(1: string line)
}
