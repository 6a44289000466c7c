//go:build goexperiment.jsonv2

package specjson

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// WriteSeccomp writes linux.seccomp.
func WriteSeccomp(enc *jsontext.Encoder, s *specs.LinuxSeccomp) error {
	w := jsonw.Begin(enc)
	w.String("defaultAction", string(s.DefaultAction), false)
	jsonw.UintPtr(w, "defaultErrnoRet", s.DefaultErrnoRet, true)
	jsonw.Strings(w, "architectures", s.Architectures, true)
	jsonw.Strings(w, "flags", s.Flags, true)
	w.String("listenerPath", s.ListenerPath, true)
	w.String("listenerMetadata", s.ListenerMetadata, true)
	jsonw.Values(w, "syscalls", s.Syscalls, true, writeSyscall)
	return w.End()
}

// ReadSeccomp reads linux.seccomp.
func ReadSeccomp(dec *jsontext.Decoder, s *specs.LinuxSeccomp) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "defaultaction":
			return jsonw.ReadString(dec, &s.DefaultAction)
		case "defaulterrnoret":
			return jsonw.ReadPtr(dec, &s.DefaultErrnoRet, jsonw.ReadUint)
		case "architectures":
			return jsonw.ReadSlice(dec, &s.Architectures, jsonw.ReadString)
		case "flags":
			return jsonw.ReadSlice(dec, &s.Flags, jsonw.ReadString)
		case "listenerpath":
			return jsonw.ReadString(dec, &s.ListenerPath)
		case "listenermetadata":
			return jsonw.ReadString(dec, &s.ListenerMetadata)
		case "syscalls":
			return jsonw.ReadSlice(dec, &s.Syscalls, readSyscall)
		}
		return dec.SkipValue()
	})
}

func writeSyscall(enc *jsontext.Encoder, s *specs.LinuxSyscall) error {
	w := jsonw.Begin(enc)
	jsonw.Strings(w, "names", s.Names, false)
	w.String("action", string(s.Action), false)
	jsonw.UintPtr(w, "errnoRet", s.ErrnoRet, true)
	jsonw.Values(w, "args", s.Args, true, writeSeccompArg)
	return w.End()
}

func readSyscall(dec *jsontext.Decoder, s *specs.LinuxSyscall) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "names":
			return jsonw.ReadSlice(dec, &s.Names, jsonw.ReadString)
		case "action":
			return jsonw.ReadString(dec, &s.Action)
		case "errnoret":
			return jsonw.ReadPtr(dec, &s.ErrnoRet, jsonw.ReadUint)
		case "args":
			return jsonw.ReadSlice(dec, &s.Args, readSeccompArg)
		}
		return dec.SkipValue()
	})
}

func writeSeccompArg(enc *jsontext.Encoder, a *specs.LinuxSeccompArg) error {
	w := jsonw.Begin(enc)
	jsonw.Uint(w, "index", a.Index, false)
	jsonw.Uint(w, "value", a.Value, false)
	jsonw.Uint(w, "valueTwo", a.ValueTwo, true)
	w.String("op", string(a.Op), false)
	return w.End()
}

func readSeccompArg(dec *jsontext.Decoder, a *specs.LinuxSeccompArg) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "index":
			return jsonw.ReadUint(dec, &a.Index)
		case "value":
			return jsonw.ReadUint(dec, &a.Value)
		case "valuetwo":
			return jsonw.ReadUint(dec, &a.ValueTwo)
		case "op":
			return jsonw.ReadString(dec, &a.Op)
		}
		return dec.SkipValue()
	})
}
