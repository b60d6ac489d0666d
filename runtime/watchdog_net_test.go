package runtime

import (
	"context"
	"testing"
	"time"
)

// TestWatchdog: quick handlers run inline without a watcher; one that
// runs for whole ticks gets one, which takes the connection's loop over
// (the same connection goes on serving, through several hand-overs); and
// the watchdog parks once calls stop.
func TestWatchdog(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t, WithMaxConns(1))
	add(t, c, 1, 2) // the server is serving: its watchdog exists
	w := ts.srv.watchdog

	for i := range 200 {
		add(t, c, int32(i), 1)
	}
	// A handler descheduled for a whole tick on a loaded machine may get
	// one; a watcher per call would be 200.
	if n := w.watchers.Load(); n > 100 {
		t.Fatalf("%d watchers started for 200 quick calls", n)
	}

	before := w.watchers.Load()
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var res i32Result
		if err := c.Call(ctx, "sleep", &pairArgs{A: 8 * int32(watchTick/time.Millisecond)}, &res); err != nil {
			cancel()
			t.Fatalf("sleep: %v", err)
		}
		cancel()
		<-ts.svc.sleepBegan
		<-ts.svc.sleepEnded
		add(t, c, 3, 4) // served by the watcher that took the loop over
	}
	if n := w.watchers.Load() - before; n < 3 {
		t.Fatalf("%d watchers started for 3 handlers of 8 ticks each, want 3", n)
	}
	if st := ts.srv.Stats(); st.Established != 1 {
		t.Fatalf("%d connections established, want the one, still open", st.Established)
	}

	for end := time.Now().Add(5 * time.Second); !w.parked.Load(); {
		if time.Now().After(end) {
			t.Fatal("the watchdog still ticks with no call running")
		}
		time.Sleep(watchTick)
	}
}
