//go:build race

package runtime

// raceEnabled: the race detector's instrumentation changes what escapes
// to the heap, so allocation counts are pinned only without it.
const raceEnabled = true
