package seccomp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Program is a compiled profile as it travels from berth's parent to init: the BPF
// program (raw struct sock_filter array) and how to load it. Compiling happens in the
// parent, where it overlaps with the container's set-up and where the result can be
// cached; init only loads, so libseccomp never runs inside a container.
type Program struct {
	BPF          []byte `json:"bpf"`
	Flags        uint   `json:"flags,omitempty"`
	ListenerPath string `json:"listener_path,omitempty"`
	Metadata     string `json:"metadata,omitempty"`
}

const sockFilterSize = 8

// maxInstructions is BPF_MAXINSNS: the kernel takes no longer program.
const maxInstructions = 4096

// Program returns f in its transportable form.
func (f *Filter) Program() *Program {
	raw := make([]byte, 0, len(f.prog)*sockFilterSize)
	for _, ins := range f.prog {
		raw = binary.NativeEndian.AppendUint16(raw, ins.Code)
		raw = append(raw, ins.Jt, ins.Jf)
		raw = binary.NativeEndian.AppendUint32(raw, ins.K)
	}
	return &Program{BPF: raw, Flags: f.flags, ListenerPath: f.listenerPath, Metadata: f.metadata}
}

// FromProgram turns a Program back into a Filter ready to Load.
func FromProgram(p *Program) (*Filter, error) {
	if p == nil {
		return nil, nil
	}
	prog, err := decodeProgram(p.BPF)
	if err != nil {
		return nil, err
	}
	return &Filter{prog: prog, flags: p.Flags, listenerPath: p.ListenerPath, metadata: p.Metadata}, nil
}

func decodeProgram(raw []byte) ([]unix.SockFilter, error) {
	if len(raw) == 0 || len(raw)%sockFilterSize != 0 || len(raw)/sockFilterSize > maxInstructions {
		return nil, fmt.Errorf("seccomp: malformed BPF program of %d bytes", len(raw))
	}
	prog := make([]unix.SockFilter, len(raw)/sockFilterSize)
	for i := range prog {
		b := raw[i*sockFilterSize:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:]),
		}
	}
	return prog, nil
}

// CompileCached is Compile with a cache of compiled programs in dir. Engines start
// every container with the same few profiles, and compiling Docker's default one
// takes ~20 ms, loading it ~1 ms. The key covers everything the program depends on:
// the profile, libseccomp's version, the architecture and the berth binary itself (its
// inode, size and mtime: a new berth never reuses an old berth's output). Validation and
// the kernel checks still run every time; only the compiled instructions are reused.
// dir must be private to root (it is under --root); "" disables the cache.
// Compile is CompileCached without a cache.
func CompileCached(s *specs.LinuxSeccomp, dir string) (*Filter, error) {
	if s == nil {
		return nil, nil
	}
	p, err := makePlan(s)
	if err != nil {
		return nil, err
	}
	if err := checkKernelFlags(p); err != nil {
		return nil, err
	}
	var key []byte
	path := ""
	if dir != "" {
		if key, err = cacheKey(s); err == nil {
			path = filepath.Join(dir, cacheName(key))
		}
	}
	if path != "" {
		if raw, err := os.ReadFile(path); err == nil {
			if prog, err := decodeEntry(raw, key); err == nil {
				return newFilter(p, prog), nil
			}
		}
	}
	prog, err := compile(p)
	if err != nil {
		return nil, err
	}
	f := newFilter(p, prog)
	if path != "" {
		// Best effort: a cache that cannot be written only costs the next start time.
		storeProgram(dir, path, encodeEntry(key, f.Program().BPF))
	}
	return f, nil
}

func newFilter(p *plan, prog []unix.SockFilter) *Filter {
	f := &Filter{prog: prog, flags: p.flags}
	if p.notify {
		f.listenerPath, f.metadata = p.listenerPath, p.metadata
	}
	return f
}

// cacheFormat changes whenever the plan or its compilation change meaning.
const cacheFormat = "berth-seccomp-program-3" // 2: the ENOSYS stub; 3: entries carry their key

// cacheKey is everything a compiled program depends on, in full.
func cacheKey(s *specs.LinuxSeccomp) ([]byte, error) {
	profile, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return nil, err
	}
	key := fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d:%d:%d:%d.%d\x00", cacheFormat, libVersion(), runtime.GOARCH,
		st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec)
	return append(key, profile...), nil
}

// cacheName only spreads keys over file names; an entry is used only when the whole key
// stored in it matches, so two profiles with the same name can never share a program
// (why no cryptographic hash is needed, and crypto/sha256 with the FIPS module it drags
// in stays out of the binary: 150 KB).
func cacheName(key []byte) string {
	h := fnv.New128a()
	h.Write(key)
	return fmt.Sprintf("%x.bpf", h.Sum(nil))
}

// An entry is the key's length (4 bytes), the key, then the raw program.
func encodeEntry(key, bpf []byte) []byte {
	raw := binary.NativeEndian.AppendUint32(make([]byte, 0, 4+len(key)+len(bpf)), uint32(len(key)))
	return append(append(raw, key...), bpf...)
}

func decodeEntry(raw, key []byte) ([]unix.SockFilter, error) {
	if len(raw) < 4 || binary.NativeEndian.Uint32(raw) != uint32(len(key)) || !bytes.HasPrefix(raw[4:], key) {
		return nil, errors.New("seccomp: cache entry is for another key")
	}
	return decodeProgram(raw[4+len(key):])
}

// storeProgram writes atomically (a reader never sees half a program) and privately.
func storeProgram(dir, path string, raw []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(raw)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// Instructions decodes p for a loader that is not Filter.Load (nsenter's plan mode loads
// it with a raw seccomp(2) in the container's first process).
func (p *Program) Instructions() ([]unix.SockFilter, error) {
	return decodeProgram(p.BPF)
}
