#!/usr/bin/env bats
# /dev: the default devices, linux.devices entries, and the standard links.

load helpers

@test "the default devices exist with the right type and numbers" {
	# stat %t/%T print major/minor in hex.
	set_args sh -c 'for d in null zero full random urandom tty; do stat -c "$d %F %t:%T" /dev/$d; done'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	for want in "null 1:3" "zero 1:5" "full 1:7" "random 1:8" "urandom 1:9" "tty 5:0"; do
		read -r name numbers <<<"$want"
		grep -qx "$name character special file $numbers" <<<"$output" || fail "/dev/$name: $output"
	done
}

@test "the default devices work" {
	set_args sh -c 'echo gone > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c
		echo x > /dev/full 2>/dev/null || echo full-refused'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[*]}" "4 8 full-refused" results
}

@test "a linux.devices entry is created with its type, numbers, mode and owner" {
	update_config '.linux.devices = [{path: "/dev/berth-test", type: "c", major: 1, minor: 7, fileMode: 432, uid: 1000, gid: 100}]'
	set_args stat -c '%F %t:%T %a %u %g' /dev/berth-test
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	# fileMode 432 is 0660.
	assert_equal "$output" "character special file 1:7 660 1000 100" "/dev/berth-test"
}

@test "a linux.devices entry in a subdirectory gets its directory" {
	update_config '.linux.devices = [{path: "/dev/sub/dir/null2", type: "c", major: 1, minor: 3}]'
	set_args stat -c '%F %t:%T' /dev/sub/dir/null2
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" "character special file 1:3"
}

@test "/dev/fd, stdin, stdout, stderr and ptmx are the standard links" {
	set_args sh -c 'for l in fd stdin stdout stderr ptmx; do echo "$l $(readlink /dev/$l)"; done; stat -c %F /dev/pts /dev/shm'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	for want in "fd /proc/self/fd" "stdin /proc/self/fd/0" "stdout /proc/self/fd/1" "stderr /proc/self/fd/2" "ptmx pts/ptmx"; do
		grep -qx "$want" <<<"$output" || fail "missing link '$want': $output"
	done
	assert_equal "$(grep -c '^directory$' <<<"$output")" 2 "/dev/pts and /dev/shm are directories"
}

@test "host devices that are not configured are absent" {
	set_args sh -c 'ls /dev/vda /dev/kmsg /dev/mem 2>&1; true'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(grep -c 'No such file' <<<"$output")" 3 "absent devices"
}

@test "the default cgroup rules allow mknod of any char and block device, not their use" {
	# runc's default device rules include c *:* m and b *:* m: images that make their own
	# nodes at start rely on them. Opening a node not listed is still refused.
	update_config '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	set_args sh -c 'mknod /tmp/c c 4 64 && echo char-made; mknod /tmp/b b 7 0 && echo block-made
		head -c1 /tmp/b 2>/dev/null || echo block-refused'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[*]}" "char-made block-made block-refused" results
}

@test "a stray access letter in a device rule is ignored with a warning, not fatal" {
	# runc reads "rwa" as "rw"; berth does too, and says so.
	update_config '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 7, access: "rwa"}]'
	set_args sh -c 'echo x > /dev/full 2>/dev/null; echo ran'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" ran
	is_runc || [[ $stderr == *warn*linux.resources.devices*access*letters* ]] || fail "no warning naming the letter: $stderr"
}
