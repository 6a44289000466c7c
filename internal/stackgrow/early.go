package stackgrow

import "runtime"

// Package initialization runs on the main goroutine, and this package, which imports
// nothing but the runtime, is initialized before the packages whose inits go deep
// (protobuf's descriptors, berth's own): Go initializes the ready packages in import-path
// order.
func init() {
	Grow()
	// No memory-profile samples: each takes a stack trace (the function table again) for
	// a profile nobody reads. The linker turns sampling off only for a program that
	// cannot reach runtime.MemProfile, and a dependency can.
	runtime.MemProfileRate = 0
}
