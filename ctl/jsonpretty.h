/* SPDX-License-Identifier: GPL-2.0 */
/* -p/--pretty: JSON documents written indented, for people to read. */
#ifndef __PKTGATE_JSONPRETTY_H
#define __PKTGATE_JSONPRETTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Set by -p/--pretty. */
extern bool json_pretty;

/* Write the compact JSON document s (len bytes, as out.c builds it) to f:
 * as it is, or indented by two spaces a level when json_pretty is set.
 * No newline is added at the end. */
void json_write(FILE *f, const char *s, size_t len);

#endif
