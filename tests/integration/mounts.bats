#!/usr/bin/env bats
# config.json mounts: bind/rbind, read-only, tmpfs options, propagation, paths that try to
# leave the rootfs, masked and read-only paths.

load helpers

# add_mount JSON: append one entry to .mounts.
add_mount() { update_config --argjson m "$1" '.mounts += [$m]'; }

# mountinfo_line DEST: the container's mountinfo line for DEST, from $output.
mountinfo_line() { awk -v d="$1" '$5 == d' <<<"$output" | tail -n1; }

@test "a read-only bind mount is readable and refuses writes" {
	host=$BATS_TEST_TMPDIR/hostdir
	mkdir -p "$host" && echo from-host >"$host/file"
	add_mount "{\"destination\": \"/mnt/data\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"bind\", \"ro\"]}"
	set_args sh -c 'cat /mnt/data/file; touch /mnt/data/new && echo WROTE; cat /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" from-host "file content"
	assert_output_not_contains WROTE
	[[ ! -e $host/new ]] || fail "a file appeared on the host"
	[[ $(mountinfo_line /mnt/data | awk '{print $6}') == ro,* ]] || fail "not ro: $(mountinfo_line /mnt/data)"
}

@test "a writable bind mount writes through to the host" {
	host=$BATS_TEST_TMPDIR/hostdir
	mkdir -p "$host"
	add_mount "{\"destination\": \"/mnt/data\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"bind\", \"rw\"]}"
	set_args sh -c 'echo from-container > /mnt/data/file'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(cat "$host/file")" from-container
}

@test "a file can be bind mounted onto a file" {
	echo file-content >"$BATS_TEST_TMPDIR/single"
	add_mount "{\"destination\": \"/etc/single\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/single\", \"options\": [\"bind\", \"ro\"]}"
	set_args cat /etc/single
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" file-content
}

@test "tmpfs options reach the mount: flags, size and mode" {
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=1m", "mode=1770"]}'
	set_args sh -c 'stat -c %a /scratch; cat /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" 1770 mode
	line=$(mountinfo_line /scratch)
	[[ -n $line ]] || fail "no /scratch mount: $output"
	for flag in nosuid nodev noexec; do
		[[ $(awk '{print $6}' <<<"$line") == *$flag* ]] || fail "$flag missing: $line"
	done
	[[ $line == *" - tmpfs "* && $line == *size=1024k* && $line == *mode=1770* ]] || fail "tmpfs data: $line"
}

# podman mounts --tmpfs with tmpcopyup: the tmpfs starts with a copy of what it covers.
# (Modes let the container's root, which has no CAP_DAC_OVERRIDE, read and write.)
@test "tmpcopyup fills a tmpfs with what it covers: contents, owners, modes, links; ro applies after" {
	r=$BUNDLE/rootfs
	mkdir -p "$r/data/sub" "$r/rodata"
	echo image >"$r/data/sub/file"
	chown 1000:1001 "$r/data/sub/file" && chmod 0646 "$r/data/sub/file"
	chmod 0711 "$r/data/sub"
	ln -s sub/file "$r/data/link"
	echo ro-content >"$r/rodata/x"
	add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "tmpcopyup", "mode=755"]}'
	add_mount '{"destination": "/rodata", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "tmpcopyup"]}'
	set_args sh -c 'awk "\$5 == \"/data\" || \$5 == \"/rodata\" { print \$5, \$6, \$9 }" /proc/self/mountinfo
		cat /data/link; stat -c "%u:%g %a" /data/sub/file /data/sub
		echo changed >/data/sub/file && echo written
		cat /rodata/x; touch /rodata/y 2>/dev/null || echo ro-refused'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains "/data rw,nosuid"
	[[ $output == *"/data "*" tmpfs"* && $output == *"/rodata ro"*" tmpfs"* ]] || fail "not tmpfs mounts: $output"
	assert_output_contains image
	assert_output_contains "1000:1001 646"
	assert_output_contains "0:0 711"
	assert_output_contains written
	assert_output_contains ro-content
	assert_output_contains ro-refused
	# The copy was written, never the image.
	assert_equal "$(cat "$r/data/sub/file")" image "the rootfs file"
}

@test "tmpcopyup on anything but a tmpfs is refused, naming the option list" {
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR\", \"options\": [\"bind\", \"tmpcopyup\"]}"
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'mounts\[[0-9]+\]\.options: tmpcopyup applies to tmpfs mounts only'
}

@test "a mount destination that does not exist is created inside the rootfs" {
	add_mount '{"destination": "/new/deep/dir", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}'
	set_args sh -c 'grep " /new/deep/dir " /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	[[ -d $BUNDLE/rootfs/new/deep/dir ]] || fail "destination not made inside the rootfs"
}

@test "rbind carries submounts, bind does not" {
	host=$BATS_TEST_TMPDIR/hostdir
	mkdir -p "$host/sub"
	mount -t tmpfs -o size=64k berth-test "$host/sub"
	on_teardown "umount '$host/sub'"
	echo submount >"$host/sub/marker"
	add_mount "{\"destination\": \"/rbind\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/bind\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"bind\"]}"
	set_args sh -c 'cat /rbind/sub/marker; ls /bind/sub/ | wc -l'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" submount "rbind submount"
	assert_equal "${lines[1]}" 0 "entries under the plain bind's sub"
}

@test "propagation: an rslave mount sees new host mounts, an rprivate one does not" {
	host=$BATS_TEST_TMPDIR/shared
	mkdir -p "$host/new"
	# Make the source a shared mount so the host has something to propagate.
	mount --bind "$host" "$host"
	on_teardown "umount -R '$host'"
	mount --make-shared "$host"
	add_mount "{\"destination\": \"/slave\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\", \"rslave\"]}"
	add_mount "{\"destination\": \"/private\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\", \"rprivate\"]}"
	set_args sh -c 'echo ready > /ready
		i=0; while [ ! -e /slave/new/marker ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
		[ -e /slave/new/marker ] && echo slave-sees; [ -e /private/new/marker ] && echo private-sees; true'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/ready"
	mount -t tmpfs -o size=64k berth-test "$host/new"
	touch "$host/new/marker"
	wait_for_status "$ID" stopped 40
	run cat "$CONTAINER_OUT"
	assert_output_contains slave-sees
	assert_output_not_contains private-sees
}

@test "a rootfs symlink to a host path used as a mount destination does not touch the host" {
	hostside=$BATS_TEST_TMPDIR/hostside
	mkdir -p "$hostside"
	# Absolute and relative links that would lead out of the rootfs if followed on the host.
	ln -s "$hostside" "$BUNDLE/rootfs/evil-abs"
	ln -s "../../../../../../../../..$hostside" "$BUNDLE/rootfs/evil-rel"
	add_mount '{"destination": "/evil-abs/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}'
	add_mount "{\"destination\": \"/evil-rel/sub2\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR\", \"options\": [\"rbind\"]}"
	set_args sh -c 'touch /evil-abs/sub/written /evil-rel/written 2>/dev/null; true'
	run berth run --bundle "$BUNDLE" "$ID"
	# Either outcome is acceptable (resolved inside the rootfs, or refused); the host is not.
	assert_equal "$(find "$hostside" -mindepth 1 | wc -l)" 0 "entries created in $hostside on the host"
	! grep -qF " $hostside" /proc/self/mountinfo || fail "host mount table touched"
}

@test "root.readonly makes / read-only" {
	update_config '.root.readonly = true'
	set_args sh -c 'touch /new-file && echo WROTE; grep -E "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / " /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_not_contains WROTE
	[[ $(awk '$5 == "/" {print $6}' <<<"$output" | tail -n1) == ro* ]] || fail "/ not ro: $output"
}

@test "masked paths hide files and directories, read-only paths refuse writes" {
	update_config '.linux.maskedPaths = ["/proc/kallsyms", "/proc/irq", "/no/such/path"] | .linux.readonlyPaths = ["/proc/sys"]'
	set_args sh -c 'echo kallsyms=$(wc -c < /proc/kallsyms); stat -c kallsyms-dev=%t,%T /proc/kallsyms
		echo irq=$(ls /proc/irq | wc -l)
		echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo SYSWROTE; true'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains kallsyms=0
	assert_output_contains kallsyms-dev=1,3
	assert_output_contains irq=0
	assert_output_not_contains SYSWROTE
}

@test "proc, sysfs, devpts, mqueue and shm from the default config are mounted" {
	set_args cat /proc/self/mountinfo
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	for m in "/proc proc" "/sys sysfs" "/dev tmpfs" "/dev/pts devpts" "/dev/shm tmpfs" "/dev/mqueue mqueue"; do
		read -r dest fstype <<<"$m"
		[[ $(mountinfo_line "$dest") == *" - $fstype "* ]] || fail "$dest is not $fstype: $(mountinfo_line "$dest")"
	done
}

# mount_opts DEST: the per-mount options (mountinfo field 6) of DEST in $output.
mount_opts() { mountinfo_line "$1" | awk '{print $6}'; }

@test "a read-only /dev tmpfs is filled first, then made read-only" {
	# runc mounts it read-write, creates nodes, links and pts/shm/mqueue in it, then
	# remounts it read-only.
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"] | .process.terminal = false'
	set_args sh -c 'touch /dev/new 2>/dev/null && echo WROTE; echo x > /dev/null && echo null-ok
		test -c /dev/pts/ptmx && echo pts-ok; cat /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_not_contains WROTE
	assert_output_contains null-ok
	assert_output_contains pts-ok
	[[ $(mount_opts /dev) == ro,* ]] || fail "/dev not ro: $(mountinfo_line /dev)"
}

@test "a read-only /dev still gets /dev/console for a terminal" {
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"] | .process.terminal = true'
	set_args sh -c 'test -c /dev/console && echo console-ok; touch /dev/x 2>/dev/null && echo WROTE; true'
	run script -qec "$BERTH --root $ROOT run --bundle $BUNDLE $ID" /dev/null
	assert_success
	assert_output_contains console-ok
	assert_output_not_contains WROTE
}

@test "a tmpfs without mode= takes the mode of the directory it covers" {
	mkdir -p "$BUNDLE/rootfs/covered" "$BUNDLE/rootfs/covered-ro"
	chmod 0710 "$BUNDLE/rootfs/covered"
	chmod 1770 "$BUNDLE/rootfs/covered-ro"
	add_mount '{"destination": "/covered", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}'
	add_mount '{"destination": "/given", "type": "tmpfs", "source": "tmpfs", "options": ["mode=750"]}'
	set_args stat -c %a /covered /given
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[*]}" "710 750" modes
}

@test "a read-only tmpfs without mode= takes the covered mode too" {
	skip_if_runc_before 1.2 "read-only tmpfs mounts made read-only after they are set up"
	mkdir -p "$BUNDLE/rootfs/covered-ro"
	chmod 1770 "$BUNDLE/rootfs/covered-ro"
	add_mount '{"destination": "/covered-ro", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]}'
	set_args sh -c 'stat -c %a /covered-ro; touch /covered-ro/x 2>/dev/null && echo WROTE; true'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" 1770 mode
}

# with_host_mount OPTS: a tmpfs on the host at $HOSTMNT with mount options OPTS, gone at
# teardown.
with_host_mount() {
	HOSTMNT=$BATS_TEST_TMPDIR/hostmnt
	mkdir -p "$HOSTMNT"
	mount -t tmpfs tmpfs "$HOSTMNT" || fail "cannot mount a tmpfs"
	on_teardown "umount '$HOSTMNT'"
	echo data >"$HOSTMNT/file"
	mount -o "remount,$1" "$HOSTMNT" || skip "cannot remount a tmpfs with $1"
}

@test "bind flags: a plain bind keeps the source's flags, nosymfollow included" {
	with_host_mount nosuid,nodev,noexec,nosymfollow
	add_mount "{\"destination\": \"/plain\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"bind\"]}"
	set_args cat /proc/self/mountinfo
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	for f in nosuid nodev noexec nosymfollow; do
		[[ ,$(mount_opts /plain), == *,$f,* ]] || fail "/plain lost $f: $(mount_opts /plain)"
	done
}

@test "bind flags: once a flag is given, the unspecified ones are cleared (mount --bind -o)" {
	skip_if_runc_before 1.2 "flags cleared by an option alone (rw, suid...) remount the bind"
	with_host_mount ro,nosuid,nodev,noexec,nosymfollow
	add_mount "{\"destination\": \"/given-nodev\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"bind\", \"nodev\"]}"
	add_mount "{\"destination\": \"/given-rw\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"bind\", \"rw\"]}"
	set_args cat /proc/self/mountinfo
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	opts=,$(mount_opts /given-nodev),
	[[ $opts == ,rw,* && $opts == *,nodev,* && $opts != *nosuid* && $opts != *noexec* && $opts != *nosymfollow* ]] ||
		fail "/given-nodev: $opts"
	opts=,$(mount_opts /given-rw),
	[[ $opts == ,rw,* && $opts != *nosuid* && $opts != *nodev* && $opts != *noexec* && $opts != *nosymfollow* ]] ||
		fail "/given-rw: $opts"
}

@test "a bind source inside the rootfs that an earlier mount makes is resolved at mount time" {
	host=$BATS_TEST_TMPDIR/hostdir
	mkdir -p "$host/sub" && echo from-host >"$host/sub/hello"
	add_mount "{\"destination\": \"/first\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/second\", \"type\": \"bind\", \"source\": \"$BUNDLE/rootfs/first/sub\", \"options\": [\"rbind\"]}"
	set_args cat /second/hello
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" from-host
}

@test "a bind destination behind a dangling symlink is created where it points, inside the rootfs" {
	# The usual case: an image's /etc/resolv.conf -> /run/resolv.conf, with /run empty.
	echo "nameserver 192.0.2.1" >"$BATS_TEST_TMPDIR/resolv.conf"
	rm -f "$BUNDLE/rootfs/etc/resolv.conf"
	ln -s /run/berth-test/resolv.conf "$BUNDLE/rootfs/etc/resolv.conf"
	# An absolute link to a host path resolves inside the rootfs too.
	hostside=$BATS_TEST_TMPDIR/hostside
	ln -s "$hostside/file" "$BUNDLE/rootfs/etc/escape"
	add_mount "{\"destination\": \"/etc/resolv.conf\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/resolv.conf\", \"options\": [\"bind\", \"ro\"]}"
	add_mount "{\"destination\": \"/etc/escape\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/resolv.conf\", \"options\": [\"bind\"]}"
	set_args cat /etc/resolv.conf /etc/escape
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[*]}" "nameserver 192.0.2.1 nameserver 192.0.2.1" contents
	[[ -f $BUNDLE/rootfs/run/berth-test/resolv.conf ]] || fail "the link's target was not made in the rootfs"
	[[ -f $BUNDLE/rootfs$hostside/file ]] || fail "the absolute link's target was not made in the rootfs"
	[[ ! -e $hostside ]] || fail "$hostside made on the host"
}

@test "masked paths: each once, and the directories share one read-only tmpfs" {
	skip_if_runc_before 1.3 "one tmpfs for every masked directory (a 1.3.x backport)"
	update_config '.linux.maskedPaths = ["/proc/irq", "/proc/bus", "/proc/irq", "/sys/firmware"] | .linux.readonlyPaths = []'
	set_args cat /proc/self/mountinfo
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(awk '$5 == "/proc/irq"' <<<"$output" | wc -l)" 1 "mounts on /proc/irq"
	# One superblock: the same device number for every masked directory.
	devs=$(awk '$5 == "/proc/irq" || $5 == "/proc/bus" || $5 == "/sys/firmware" { print $3 }' <<<"$output" | sort -u)
	assert_equal "$(wc -l <<<"$devs")" 1 "devices of the masks ($devs)"
	for d in /proc/irq /proc/bus /sys/firmware; do
		[[ $(mount_opts $d) == ro,* ]] || fail "$d mask not ro: $(mountinfo_line $d)"
	done
}

@test "the container's /proc shows its configured source and type in mountinfo" {
	# runtime-spec validators (runtime-tools' runtimetest) find mounts[] by destination,
	# type and source: the one-runtime path makes proc with fsopen, whose source is "none"
	# unless set.
	set_args sh -c 'grep " /proc " /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	[[ $output == *" - proc proc "* ]] || fail "/proc in mountinfo: $output"
}
