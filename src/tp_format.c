// SPDX-License-Identifier: Apache-2.0
/*
 * A tracepoint's format file (events/CATEGORY/NAME/format in tracefs):
 * its name, id and fields with their offsets and sizes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "internal.h"

/*
 *	field:const char * filename;	offset:24;	size:8;	signed:0;
 * The declaration's last identifier is the name, maybe with "[N]".
 */
static int tp_field_parse(const char *line, struct tp_field *f)
{
	const char *decl = strstr(line, "field:"), *semi, *end, *nm, *p;

	memset(f, 0, sizeof(*f));
	if (!decl)
		return -EINVAL;
	decl += 6;
	semi = strchr(decl, ';');
	if (!semi)
		return -EINVAL;
	f->decl = strndup(decl, semi - decl);
	if (!f->decl)
		return -ENOMEM;
	end = semi;
	if (end > decl && end[-1] == ']') {
		p = end;
		while (p > decl && *p != '[')
			p--;
		f->array = strtoul(p + 1, NULL, 0);
		end = p;
	}
	while (end > decl && end[-1] == ' ')
		end--;
	nm = end;
	while (nm > decl && (isalnum((unsigned char)nm[-1]) || nm[-1] == '_'))
		nm--;
	if (nm == end)
		return -EINVAL;
	f->name = strndup(nm, end - nm);
	p = nm;
	while (p > decl && p[-1] == ' ')
		p--;
	f->type = strndup(decl, p - decl);
	if (!f->name || !f->type)
		return -ENOMEM;
	if ((p = strstr(semi, "offset:")))
		f->offset = strtoul(p + 7, NULL, 10);
	if ((p = strstr(semi, "size:")))
		f->size = strtoul(p + 5, NULL, 10);
	if ((p = strstr(semi, "signed:")))
		f->is_signed = p[7] == '1';
	return 0;
}

static void tp_field_free(struct tp_field *f)
{
	free(f->decl);
	free(f->type);
	free(f->name);
}

int tp_format_parse(const char *text, struct tp_format *fmt)
{
	const char *line = text, *nl;
	char buf[1024];
	int err = 0;

	memset(fmt, 0, sizeof(*fmt));
	fmt->id = -1;
	for (; *line; line = nl + 1) {
		struct tp_field f, *nf;
		size_t n;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		n = nl - line < (long)sizeof(buf) ? (size_t)(nl - line) :
						    sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		if (!strncmp(buf, "name: ", 6) && !fmt->name) {
			fmt->name = strdup(buf + 6);
			if (!fmt->name)
				err = -ENOMEM;
		} else if (!strncmp(buf, "ID: ", 4)) {
			fmt->id = atoi(buf + 4);
		} else if (strstr(buf, "field:")) {
			err = tp_field_parse(buf, &f);
			if (!err && !strncmp(f.name, "common_", 7)) {
				tp_field_free(&f);
			} else if (!err) {
				nf = realloc(fmt->fields,
					     (fmt->nfields + 1) * sizeof(*nf));
				if (!nf) {
					tp_field_free(&f);
					err = -ENOMEM;
				} else {
					fmt->fields = nf;
					nf[fmt->nfields++] = f;
				}
			} else {
				tp_field_free(&f);
			}
		} else if (!strncmp(buf, "print fmt:", 10)) {
			break;
		}
		if (err || !*nl)
			break;
	}
	if (!err && (!fmt->name || fmt->id < 0))
		err = -EINVAL;
	if (err)
		tp_format_free(fmt);
	return err;
}

int tp_format_read(const char *category, const char *name,
		   struct tp_format *f)
{
	char rel[PATH_MAX], path[PATH_MAX];
	static char text[65536];
	int err;

	snprintf(rel, sizeof(rel), "events/%s/%s/format", category, name);
	err = tracefs_path(rel, path, sizeof(path));
	if (err)
		return err;
	err = read_file(path, text, sizeof(text));
	if (err < 0)
		return err;
	return tp_format_parse(text, f);
}

void tp_format_free(struct tp_format *f)
{
	size_t i;

	for (i = 0; i < f->nfields; i++)
		tp_field_free(&f->fields[i]);
	free(f->fields);
	free(f->name);
	memset(f, 0, sizeof(*f));
}
