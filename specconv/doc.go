// Package specconv turns an OCI runtime-spec config.json into berth's validated
// configs.Config. It runs in the parent before anything exists on the host, so every
// mistake in config.json is reported here as a *configs.FieldError naming the field at
// fault in JSON-path form (`mounts[2].options[1]`, `linux.sysctl["kernel.panic"]`).
package specconv
