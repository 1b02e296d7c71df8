# SPDX-License-Identifier: GPL-2.0
# The main job, make demo, as a test: it checks each of its own steps.

test_demo_runs_and_cleans_up() {
	expect 0 "$TOP/netns-lab/demo.sh"
	assert_contains "$OUT" "demo: every step behaved as described"
	assert_eq "" "$(ip netns list | grep pgdemo || true)" "demo namespaces left"
}
