// Package stackgrow gives a goroutine its full stack at once; its init does it for the
// main goroutine, before the package inits, and turns memory profiling off (early.go).
//
// A goroutine starts on a 2 KiB stack, which the runtime doubles each time a call would
// overflow it: it allocates the bigger stack, copies the old one and adjusts every frame,
// reading each function's entries in the function table (pclntab) to do so. A berth
// command is a fresh process whose main goroutine, and the thread goroutine that builds a
// rootfs, go 2 → 4 → 8 → 16 → 32 → 64 KiB deep in nested calls (cli, libcontainer,
// rootfs, pathrs), each copy walking every frame below: 11 of the 36 windows of the
// function table a `run` faulted in (64 KiB each, the kernel's fault-around) were those
// walks. Grown once, while only a frame or two is on the stack, the goroutine never
// copies a deep stack (docs/performance.md, "Stacks grown once").
package stackgrow
