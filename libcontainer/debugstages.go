package libcontainer

import "github.com/berth-runtime/berth/libcontainer/stagelog"

// nsenterStages is nsenter's OnStage for --debug: each step is recorded with the time
// since the one before (the first since this call); nil when not recording.
func nsenterStages() func(string) {
	if !stagelog.On() {
		return nil
	}
	last := stagelog.Now()
	return func(step string) {
		now := stagelog.Now()
		stagelog.Emit(stagelog.Record{Stage: "nsenter", Detail: step, Start: last, Took: now - last})
		last = now
	}
}
