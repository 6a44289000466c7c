//go:build goexperiment.jsonv2

package specjson

import (
	"encoding/json/jsontext"
	"testing"

	"github.com/berth-runtime/berth/internal/jsonw/jsonwtest"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// check runs jsonwtest's comparison with encoding/json for one runtime-spec type, read
// (and written, when write is not nil) by the functions here.
func check[T any](t *testing.T, write func(*jsontext.Encoder, *T) error, read func(*jsontext.Decoder, *T) error) {
	t.Helper()
	jsonwtest.CheckWith(t,
		func(v *T) any { return &jsonwtest.Funcs[T]{V: v, Write: write, Read: read} },
		func(v *T) any { return v })
}

func TestMatchesEncodingJSON(t *testing.T) {
	t.Run("Spec", func(t *testing.T) { check[specs.Spec](t, nil, ReadSpec) })
	t.Run("Process", func(t *testing.T) { check(t, nil, ReadProcess) })
	t.Run("Box", func(t *testing.T) { check(t, nil, readBox) })
	t.Run("User", func(t *testing.T) { check(t, nil, readUser) })
	t.Run("LinuxCapabilities", func(t *testing.T) { check(t, nil, readCapabilities) })
	t.Run("POSIXRlimit", func(t *testing.T) { check(t, nil, readRlimit) })
	t.Run("Root", func(t *testing.T) { check(t, nil, readRoot) })
	t.Run("Mount", func(t *testing.T) { check(t, nil, readMount) })
	t.Run("LinuxIDMapping", func(t *testing.T) { check(t, nil, readIDMapping) })
	t.Run("Linux", func(t *testing.T) { check(t, nil, readLinux) })
	t.Run("LinuxNamespace", func(t *testing.T) { check(t, nil, readNamespace) })
	t.Run("LinuxDevice", func(t *testing.T) { check(t, nil, readDevice) })
	t.Run("LinuxResources", func(t *testing.T) { check(t, WriteResources, ReadResources) })
	t.Run("LinuxDeviceCgroup", func(t *testing.T) { check(t, writeDeviceCgroup, readDeviceCgroup) })
	t.Run("LinuxMemory", func(t *testing.T) { check(t, writeMemory, readMemory) })
	t.Run("LinuxCPU", func(t *testing.T) { check(t, writeCPU, readCPU) })
	t.Run("LinuxPids", func(t *testing.T) { check(t, writePids, readPids) })
	t.Run("LinuxSeccomp", func(t *testing.T) { check(t, WriteSeccomp, ReadSeccomp) })
	t.Run("LinuxSyscall", func(t *testing.T) { check(t, writeSyscall, readSyscall) })
	t.Run("LinuxSeccompArg", func(t *testing.T) { check(t, writeSeccompArg, readSeccompArg) })
	t.Run("Hooks", func(t *testing.T) { check(t, WriteHooks, ReadHooks) })
	t.Run("Hook", func(t *testing.T) { check(t, writeHook, readHook) })
}
