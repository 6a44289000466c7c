// Package jsonw writes and reads berth's own records (state.json, creating.json and the
// configs.Config they hold) member by member over encoding/json/jsontext.
//
// encoding/json builds, by reflection, an encoder and a decoder for every struct type the
// first time a process meets it: for a State with its whole Config that is ~0.2 ms of
// CPU and a few dozen fresh heap pages, in every berth command, for ~3 KB of JSON
// (docs/performance.md, "berth's records and config.json without reflection"). The
// types implement encoding/json/v2's MarshalerTo and UnmarshalerFrom with these helpers
// instead (internal/specjson does the same for runtime-spec's types); the
// bytes are the ones encoding/json writes for them, which their unit tests check against
// the reflective encoding field by field, and reading keeps encoding/json's (v1) rules:
// member names match case-insensitively, unknown members are skipped, null leaves a
// value alone and clears a pointer, slice or map, a pointer or map already set is
// decoded into.
//
// Only with encoding/json v2 (GOEXPERIMENT=jsonv2, the Makefile's build): without it the
// methods are not built and encoding/json's reflection does the same job.
package jsonw
