# rootless_helpers.bash: an unprivileged user the harness creates, and berth run as that user.

RL_USER=berth-rootless

# rootless_setup: make sure the user exists (useradd gives it /etc/subuid and /etc/subgid
# ranges under Debian's login.defs), hand it this test's state root, bundle and a runtime
# directory $XDG, and replace the bundle's config with `berth spec --rootless`'s template.
rootless_setup() {
	id "$RL_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	XDG=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$XDG"
	chown -R "$RL_USER:" "$ROOT" "$XDG" "$BUNDLE"
	chmod 700 "$XDG"
	rm "$BUNDLE/config.json"
	# The template every rootless user starts from, made by berth itself.
	(cd "$BUNDLE" && as_user "$BERTH" spec --rootless)
	update_config --arg mark "BERTH_TEST_MARK=$TEST_MARK" \
		'.process.terminal = false | .process.env += [$mark] | .root.readonly = false'
	chown "$RL_USER:" "$BUNDLE/config.json"
}

# as_user CMD...: CMD as the unprivileged user, with $XDG as its runtime directory.
as_user() {
	setpriv --reuid="$RL_USER" --regid="$RL_USER" --init-groups env XDG_RUNTIME_DIR="$XDG" HOME=/ "$@"
}

# rberth ARGS...: berth as the unprivileged user, on this test's state root.
rberth() { as_user timeout -k 5 "$BERTH_TIMEOUT" "$BERTH" --root "$ROOT" "$@"; }
