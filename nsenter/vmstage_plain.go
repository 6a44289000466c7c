//go:build !race && !msan && !asan

package nsenter

// vmInstrumented: see vmstage_instrumented.go.
const vmInstrumented = false
