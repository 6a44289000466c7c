#!/usr/bin/env bats
# Class: id -1 (found in berth, see docs/security.md). (uid_t)-1 = 4294967295 means
# "leave unchanged" to setresuid and setresgid: a process configured with it stayed
# root. Ids from 2^31 on are refused, naming the field, as runc refuses them.

load helpers

# assert_id_error FIELD: the one-line error names FIELD (runc names no field) and the range.
assert_id_error() {
	if is_runc; then
		assert_one_line_error 'must be in range 0-2147483647'
	else
		assert_one_line_error "$1.*must be in range 0-2147483647"
	fi
}

@test "id-minus-one: process.user uid, gid or an additional gid of 2^31 or more is refused by name" {
	set_args sh -c 'id'
	for user in '{uid: 4294967295, gid: 0}' '{uid: 0, gid: 4294967295}' '{uid: 1000, gid: 2147483648}' \
		'{uid: 1000, gid: 1000, additionalGids: [10, 4294967295]}'; do
		update_config ".process.user = $user"
		run --separate-stderr berth run --bundle "$BUNDLE" "$(new_id)"
		assert_failure
		assert_output_not_contains "uid=0"
		assert_id_error 'process\.user\.(uid|gid|additionalGids\[1\])'
	done
}

@test "id-minus-one: exec --user and --additional-gids of 2^31 or more are refused by name" {
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run --separate-stderr berth exec --user 4294967295:4294967295 "$ID" id -u
	assert_failure
	assert_output_not_contains "0"
	assert_id_error 'process\.user\.uid'
	run --separate-stderr berth exec --user 1000:1000 --additional-gids 4294967295 "$ID" id -u
	assert_failure
	assert_id_error 'additionalGids\[0\]'
	# The highest id allowed still works.
	run berth exec --user 2147483647:2147483647 "$ID" id -u
	assert_success
	assert_equal "$output" 2147483647
}
