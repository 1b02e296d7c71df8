/* SPDX-License-Identifier: GPL-2.0 */
/* Options of save and restore (rule set files). */
#ifndef __PKTGATE_RULESET_H
#define __PKTGATE_RULESET_H

#include <stdbool.h>

struct save_opts {
	bool all;
	const char *list;
	bool deny, allow;
};

struct restore_opts {
	bool allow_empty;
};

#endif
