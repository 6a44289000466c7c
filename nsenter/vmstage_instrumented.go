//go:build race || msan || asan

package nsenter

// vmInstrumented: the build instruments function entries (the race detector, msan, asan),
// the ABI wrapper vmClone calls a stage through included; that code needs a goroutine,
// which a stage sharing the caller's memory does not have. Such builds fork the stages.
const vmInstrumented = true
