/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Telling our bpf_trace_printk() lines from everyone else's: trace_pipe
 * carries no program id, so a line is ours when it could have come from
 * one of our literal formats.
 */
#ifndef BPFRUN_PRINTK_FMT_H
#define BPFRUN_PRINTK_FMT_H

#include <stdbool.h>

/*
 * Could @fmt, as bpf_trace_printk() expands it, have printed @line?
 * %d %i %u take digits, '-' and ' '; %x %X %p hex digits, 'x' and ' ';
 * %o octal digits; %c one character; %s and anything else any run of
 * characters (%s may be empty). Flags, width and length are skipped.
 * Time is O(strlen(fmt) * strlen(line)) whatever the line holds: every
 * process that can write to trace_marker chooses the lines we match.
 */
bool printk_fmt_match(const char *fmt, const char *line);

/* Can @c be part of what conversion @conv prints (%d: digits, ...)? */
bool printk_fmt_in_class(char conv, char c);

#endif
