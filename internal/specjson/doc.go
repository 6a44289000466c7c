// Package specjson reads and writes runtime-spec's types member by member over
// encoding/json/jsontext, as encoding/json would by reflection (internal/jsonw says why:
// the reflective encoders and decoders of each type cost a fresh process ~20 us apiece to
// build). It covers what berth meets on every container start: config.json's document
// down to the process, mounts, namespaces, devices, resources, seccomp and hooks, and the
// resources, seccomp and hooks kept in state.json. Types met rarely (block I/O weights,
// RDMA, network classes, Intel RDT, memory policy, personality, time offsets, the other
// platforms' sections) are left to encoding/json. The unit tests check every member of
// every type here against encoding/json's reflective reading and writing.
//
// Only with encoding/json v2 (GOEXPERIMENT=jsonv2, the Makefile's build).
package specjson
